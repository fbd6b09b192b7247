"""One example event of every type, for the AsyncAPI document and for consumers' tests.

Examples are built from the models themselves, so a new field gets an example value the
day it is added and every example is valid by construction: the model validates it, and
a test validates it again against the committed JSON Schema. Values are fixed (no clock,
no random ids), so the generated document only changes when a contract does.
"""

from __future__ import annotations

import types
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin
from uuid import NAMESPACE_URL, uuid5

from annotated_types import Ge
from pydantic import AwareDatetime

from shared.contracts.base import CloudEvent, EventData, new_event
from shared.money import Money

EXAMPLE_TIME = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
LATER = EXAMPLE_TIME + timedelta(days=31)

# Realistic values for fields whose type alone says too little.
FIELD_VALUES: dict[str, Any] = {
    "customer_id": "cus_7Ld2Qx",
    "subscription_id": "sub_3Fq9Zk",
    "invoice_id": "in_8Kx1Vd",
    "payment_id": "pay_2Hs7Mw",
    "case_id": "dc_5Tn4Pb",
    "pause_id": "pz_9Wb6Yc",
    "notification_id": "nt_4Rm8Ja",
    "payment_method_id": "pm_6Vc3Ge",
    "gateway_payment_method": "pm_1NgG5y2eZvKYlo2C",
    "email": "ada@example.com",
    "to": "ada@example.com",
    "name": "Ada Lovelace",
    "timezone": "Europe/London",
    "locale": "fr",
    "brand": "visa",
    "last4": "4242",
    "exp_month": 3,
    "exp_year": 2026,
    "expires_on": date(2026, 3, 31),
    "plan_code": "pro",
    "plan_name": "Pro",
    "status": "active",
    "number": "2026-000042",
    "decline_code": "expired_card",
    "decline_message": "Your card has expired.",
    "policy_version": "gentle-2",
    "variant": "control",
    "reason": "card_updated",
    "template_id": "dunning.card_update.1",
    "subject_line": "Your card has expired: a new one keeps Pro going",
    "body_text": "Hello Ada, your card ending 4242 has expired. Add a new one in a minute.",
    "body_html": "<p>Hello Ada, your card ending 4242 has expired. Add a new one in a minute.</p>",
    "action_url": "https://billing.example.com/portal?token=example",
    "months": 2,
    "recovered_amount": Money.of(1500, "USD"),
    "beach_fee": Money.of(100, "USD"),
    "fee_per_month": Money.of(100, "USD"),
}
LATER_FIELDS = {"current_period_end", "period_end", "resumes_at", "previous_resumes_at", "retry_at"}


def _optional_removed(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        return options[0]
    return annotation


def _value_for(name: str, annotation: Any, metadata: list[Any]) -> Any:
    """A valid value of the field's type: the first enum or literal value, else a
    realistic value by name, else the smallest allowed number or a fixed instant."""
    kind = _optional_removed(annotation)
    if get_origin(kind) is Literal:
        return get_args(kind)[0]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return next(iter(kind))
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    if kind is Money:
        return Money.of(1500, "USD")
    if kind in (AwareDatetime, datetime):
        return LATER if name in LATER_FIELDS else EXAMPLE_TIME
    if kind is bool:
        return True
    if kind is int:
        floors: list[int] = [
            rule.ge for rule in metadata if isinstance(rule, Ge) and isinstance(rule.ge, int)
        ]
        return max([1, *floors])
    return f"{name}_example"


def example_data(model: type[EventData]) -> EventData:
    values = {
        name: _value_for(name, info.annotation, info.metadata) for name, info in model.model_fields.items()
    }
    return model(**{**values, "sequence": 1})


def example_event(model: type[EventData], *, source: str) -> CloudEvent[Any]:
    """The example of `model` as `source` would publish it, with an id fixed per type."""
    event_id = uuid5(NAMESPACE_URL, f"urn:beach-billing:example:{model.event_type}")
    return new_event(example_data(model), source=source, time=EXAMPLE_TIME, event_id=event_id)
