"""A customer: who pays, how to reach them, and the timezone their day runs in.

The timezone matters beyond billing: dunning never writes at night in it, and paydays
fall on local dates.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shared.contracts.base import EventData
from shared.contracts.billing import CustomerCreated
from shared.errors import DomainError
from shared.text import plain_text


class InvalidCustomer(DomainError):
    pass


def new_customer_id() -> str:
    return f"cus_{secrets.token_hex(12)}"


@cache
def _iana_zones() -> frozenset[str]:
    """Scanning the zone database takes milliseconds: once per process is enough."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """An IANA zone name such as `Europe/Paris`."""
    if name not in _iana_zones():
        raise InvalidCustomer("timezone", f"unknown IANA timezone {name!r}")
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise InvalidCustomer("timezone", f"unknown IANA timezone {name!r}") from None
    return name


def check_email(email: str) -> str:
    local, at, domain = email.strip().partition("@")
    if not at or not local or "." not in domain or " " in email.strip():
        raise InvalidCustomer("email", "not an email address")
    return email.strip()


@dataclass
class Customer:
    id: str
    email: str
    name: str
    timezone: str
    created_at: datetime
    gateway_customer: str | None = None
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def register(cls, *, email: str, name: str, timezone: str, now: datetime) -> Customer:
        customer = cls(
            id=new_customer_id(),
            email=check_email(plain_text("email", email, InvalidCustomer)),
            name=plain_text("name", name, InvalidCustomer),
            timezone=check_timezone(timezone),
            created_at=now,
        )
        customer.events.append(
            CustomerCreated(
                customer_id=customer.id,
                email=customer.email,
                name=customer.name,
                timezone=customer.timezone,
                created_at=now,
            )
        )
        return customer
