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
from shared.contracts.billing import CustomerCreated, CustomerUpdated
from shared.errors import DomainError
from shared.i18n.locales import DEFAULT_LOCALE, InvalidLocale, normalise_locale
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


def check_locale(tag: str) -> str:
    """A BCP 47 tag CLDR knows (`fr`, `de-CH`), kept in its canonical spelling. A tag we
    ship no words for is still accepted: its numbers and dates are written its way, its
    words in English."""
    try:
        return normalise_locale(tag)
    except InvalidLocale as exc:
        raise InvalidCustomer("locale", str(exc)) from None


@dataclass
class Customer:
    id: str
    email: str
    name: str
    timezone: str
    created_at: datetime
    gateway_customer: str | None = None
    locale: str = DEFAULT_LOCALE
    events: list[EventData] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def register(
        cls, *, email: str, name: str, timezone: str, now: datetime, locale: str = DEFAULT_LOCALE
    ) -> Customer:
        customer = cls(
            id=new_customer_id(),
            email=check_email(plain_text("email", email, InvalidCustomer)),
            name=plain_text("name", name, InvalidCustomer),
            timezone=check_timezone(timezone),
            created_at=now,
            locale=check_locale(locale),
        )
        customer.events.append(CustomerCreated(**customer._profile()))
        return customer

    def change_locale(self, locale: str, now: datetime) -> bool:
        """Whether anything changed; the other services hear of it as `customer.updated`."""
        locale = check_locale(locale)
        if locale == self.locale:
            return False
        self.locale = locale
        self.events.append(CustomerUpdated(**self._profile(), updated_at=now))
        return True

    def _profile(self) -> dict[str, object]:
        return {
            "customer_id": self.id,
            "email": self.email,
            "name": self.name,
            "timezone": self.timezone,
            "created_at": self.created_at,
            "locale": self.locale,
        }
