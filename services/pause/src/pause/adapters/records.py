"""How pause's aggregates and views are laid out as rows, for the database and its twin.

Both the SQL repositories and the in-memory ones store these rows, so a view or a pause
read back is built by the same code whichever backend kept it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pause.domain.pause import BeachPause, PauseStatus
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.repositories import CreatedFacts
from shared.money import Money

SEQUENCES = ("status_sequence", "period_sequence", "paid_sequence")


def pause_from(row: Mapping[Any, Any]) -> BeachPause:
    values = dict(row)
    fee = Money.of(values.pop("fee_amount"), values.pop("fee_currency"))
    return BeachPause(**values | {"status": PauseStatus(values["status"]), "fee_per_month": fee})


def pause_values(pause: BeachPause) -> dict[str, Any]:
    values = {k: v for k, v in pause.__dict__.items() if k not in ("events", "fee_per_month")}
    values["status"] = pause.status.value
    return values | {"fee_amount": pause.fee_per_month.amount, "fee_currency": pause.fee_per_month.currency}


def new_subscription_row(subscription_id: str, customer_id: str) -> dict[str, Any]:
    """The row of a subscription heard of for the first time: nothing known but its owner."""
    return {
        "id": subscription_id,
        "customer_id": customer_id,
        "open_dunning_case": False,
        "dunning_offer_open": False,
    }


def terms_values(
    plan_code: str, price: Money, beach_fee: Money | None, plan_name: str | None = None
) -> dict[str, Any]:
    """The columns `subscription.created` alone fills: the plan, its price and beach fee."""
    return {
        "plan_code": plan_code,
        "plan_name": plan_name,
        "price_amount": price.amount,
        "price_currency": price.currency,
        "beach_fee_amount": beach_fee.amount if beach_fee else None,
        "beach_fee_currency": beach_fee.currency if beach_fee else None,
    }


def created_row(subscription_id: str, customer_id: str, facts: CreatedFacts) -> dict[str, Any]:
    """The row of a subscription first heard of through `subscription.created`: all it
    says, each part stamped with its sequence as its own rule would have left it."""
    stamp = facts.sequence or 0
    return (
        new_subscription_row(subscription_id, customer_id)
        | terms_values(facts.plan_code, facts.price, facts.beach_fee, facts.plan_name)
        | {"status": facts.status, "status_sequence": stamp, "paid_sequence": 0}
        | {"current_period_start": facts.period_start, "current_period_end": facts.period_end}
        | {"period_sequence": stamp}
    )


def view_from(row: Mapping[Any, Any]) -> SubscriptionView | None:
    """The subscription as pause knows it; None until billing's `subscription.created` has
    arrived (a later fact may come first), since only that one says its plan and price."""
    values = {k: v for k, v in row.items() if k not in SEQUENCES}
    if None in (values.get("price_amount"), values.get("status"), values.get("current_period_end")):
        return None
    price = Money.of(values.pop("price_amount"), values.pop("price_currency"))
    fee_amount, fee_currency = values.pop("beach_fee_amount"), values.pop("beach_fee_currency")
    fee = Money.of(fee_amount, fee_currency) if fee_amount is not None else None
    return SubscriptionView(**values, price=price, beach_fee=fee)
