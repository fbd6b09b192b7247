"""The subscription replica in memory: the rules of `SubscriptionReplica` in plain Python.

Rows have the columns of `subscription_views` and `dunning_case_views`, so a view is
read back by the same code as from the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pause.adapters.records import created_row, new_subscription_row, terms_values, view_from
from pause.domain.subscription_view import SubscriptionView
from pause.service_layer.repositories import CreatedFacts
from shared.money import Money
from shared.testing.memory import InMemoryUnitOfWork, MemoryTable

Row = dict[str, Any]
EMPTY: Row = (
    dict.fromkeys(
        (
            "plan_code",
            "plan_name",
            "price_amount",
            "price_currency",
            "beach_fee_amount",
            "beach_fee_currency",
            "status",
        )
    )
    | {"current_period_start": None, "current_period_end": None}
    | dict.fromkeys(("status_sequence", "period_sequence", "paid_sequence"), 0)
)


def _newer(stored: int, sequence: int | None) -> bool:
    return sequence is None or stored < sequence


def _paid_up(row: Row) -> None:
    """A past-due status older than the newest paid invoice is over: active again."""
    if row["status"] == "past_due" and row["paid_sequence"] > row["status_sequence"]:
        row["status"], row["status_sequence"] = "active", row["paid_sequence"]


class MemorySubscriptionReplica:
    def __init__(self, work: InMemoryUnitOfWork) -> None:
        self.work = work

    @property
    def _rows(self) -> MemoryTable[str, Row]:
        return self.work.table("subscription_views")

    def _change(self, subscription_id: str, **values: Any) -> Row | None:
        row = self._rows.get(subscription_id)
        if row is not None:
            row.update(values)
            self._rows.put(subscription_id, row)
        return row

    async def get(self, subscription_id: str) -> SubscriptionView | None:
        row = self._rows.get(subscription_id)
        return view_from(row) if row else None

    async def of_customer(self, customer_id: str) -> list[SubscriptionView]:
        mine = (view_from(row) for row in self._rows.values() if row["customer_id"] == customer_id)
        return sorted((view for view in mine if view), key=lambda view: view.current_period_start)

    async def heard_of(self, subscription_id: str, customer_id: str) -> None:
        if subscription_id not in self._rows:
            self._rows.put(subscription_id, EMPTY | new_subscription_row(subscription_id, customer_id))

    async def first_heard(self, subscription_id: str, customer_id: str, facts: CreatedFacts) -> bool:
        if subscription_id in self._rows:
            return False
        self._rows.put(subscription_id, EMPTY | created_row(subscription_id, customer_id, facts))
        return True

    async def set_terms(
        self,
        subscription_id: str,
        plan_code: str,
        price: Money,
        beach_fee: Money | None,
        plan_name: str | None = None,
    ) -> None:
        self._change(subscription_id, **terms_values(plan_code, price, beach_fee, plan_name))

    async def set_plan(self, subscription_id: str, plan_code: str) -> None:
        self._change(subscription_id, plan_code=plan_code)

    async def set_status(self, subscription_id: str, status: str, sequence: int | None) -> None:
        row = self._rows.get(subscription_id)
        if row is None:
            return
        if _newer(row["status_sequence"], sequence):
            row["status"] = status
            row["status_sequence"] = row["status_sequence"] if sequence is None else sequence
        _paid_up(row)
        self._rows.put(subscription_id, row)

    async def set_period(
        self, subscription_id: str, start: datetime, end: datetime, sequence: int | None
    ) -> None:
        row = self._rows.get(subscription_id)
        if row is None or not _newer(row["period_sequence"], sequence):
            return
        row["current_period_start"], row["current_period_end"] = start, end
        row["period_sequence"] = row["period_sequence"] if sequence is None else sequence
        self._rows.put(subscription_id, row)

    async def invoice_paid(self, subscription_id: str, sequence: int | None) -> None:
        row = self._rows.get(subscription_id)
        if row is None:
            return
        paid = sequence if sequence is not None else row["status_sequence"] + 1
        row["paid_sequence"] = max(row["paid_sequence"], paid)
        _paid_up(row)
        self._rows.put(subscription_id, row)

    async def dunning_case(
        self, subscription_id: str, case_id: str, *, offered: bool = False, closed: bool = False
    ) -> None:
        cases: MemoryTable[str, Row] = self.work.table("dunning_case_views")
        case = cases.get(case_id) or {"case_id": case_id, "subscription_id": subscription_id}
        case["offered"] = case.get("offered", False) or offered
        case["closed"] = case.get("closed", False) or closed
        cases.put(case_id, case)
        mine = [c for c in cases.values() if c["subscription_id"] == subscription_id]
        self._change(
            subscription_id,
            open_dunning_case=any(not c["closed"] for c in mine),
            dunning_offer_open=any(c["offered"] and not c["closed"] for c in mine),
        )

    async def open_case_of(self, customer_id: str) -> str | None:
        cases: MemoryTable[str, Row] = self.work.table("dunning_case_views")
        mine = {row["id"] for row in self._rows.values() if row["customer_id"] == customer_id}
        open_ids = sorted(
            c["case_id"] for c in cases.values() if c["subscription_id"] in mine and not c["closed"]
        )
        return open_ids[0] if open_ids else None
