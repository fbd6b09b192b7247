"""A dunning case to its row and back: filterable columns plus the timeline as JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row

from dunning.domain.attribution import Recovery
from dunning.domain.case import DunningCase
from dunning.domain.case_facts import CaseStatus, RetryMade, RetryReason
from dunning.domain.payment_date import ChosenPaymentDate
from shared.contracts.dunning import CaseOutcome, DeclineClass, DunningCaseClosed, RecoveryMethod
from shared.money import Money


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _chosen_out(chosen: ChosenPaymentDate | None) -> dict[str, Any] | None:
    if chosen is None:
        return None
    return {
        "day": chosen.day.isoformat(),
        "retry_at": chosen.retry_at.isoformat(),
        "chosen_at": chosen.chosen_at.isoformat(),
        "choices": chosen.choices,
    }


def _chosen_in(stored: dict[str, Any] | None) -> ChosenPaymentDate | None:
    if stored is None:
        return None
    return ChosenPaymentDate(
        date.fromisoformat(stored["day"]),
        datetime.fromisoformat(stored["retry_at"]),
        datetime.fromisoformat(stored["chosen_at"]),
        int(stored["choices"]),
    )


def case_row(case: DunningCase, next_due_at: datetime | None) -> dict[str, Any]:
    state = {
        "timezone": case.timezone,
        "retries": [{"at": r.at.isoformat(), "reason": r.reason.value} for r in case.retries],
        "reminders_sent": [moment.isoformat() for moment in case.reminders_sent],
        "beach_offer_sent_at": _iso(case.beach_offer_sent_at),
        "card_updated_at": _iso(case.card_updated_at),
        "failed_card": case.failed_card,
        "card_updated_by": case.card_updated_by,
        "payment_date": _chosen_out(case.payment_date),
        "backup_card": case.backup_card,
        "trace": case.trace,
    }
    # Only a closed case's event carries the amount; asking every event for a field it
    # lacks (a pydantic model's failed attribute lookup) cost more than the rest of this.
    closed = (e for e in case.events if isinstance(e, DunningCaseClosed))
    recovered = next((e.recovered_amount for e in closed if e.recovered_amount), None)
    return {
        "id": case.id,
        "invoice_id": case.invoice_id,
        "subscription_id": case.subscription_id,
        "customer_id": case.customer_id,
        "amount_due": case.amount_due.amount,
        "currency": case.amount_due.currency,
        "decline_code": case.decline_code,
        "decline_class": case.decline_class.value,
        "policy_version": case.policy_version,
        "variant": case.variant,
        "status": case.status.value,
        "outcome": case.outcome.value if case.outcome else None,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "reminders_sent": case.contacts,
        "retries_made": len(case.retries),
        "next_due_at": next_due_at,
        "state": json.dumps(state),
        "version": case.version,
        "recovery_method": case.recovery.method.value if case.recovery else None,
        "last_message_number": case.recovery.last_message_number if case.recovery else None,
        "retained_30d": case.retained_30d,
        "retention_check_at": case.retention_check_at,
        **({"recovered_amount": recovered.amount} if recovered else {}),
    }


def case_of(row: Row[Any] | SimpleNamespace) -> DunningCase:
    state = json.loads(row.state)
    return DunningCase(
        id=row.id,
        subscription_id=row.subscription_id,
        customer_id=row.customer_id,
        invoice_id=row.invoice_id,
        amount_due=Money.of(row.amount_due, row.currency),
        decline_code=row.decline_code,
        decline_class=DeclineClass(row.decline_class),
        policy_version=row.policy_version,
        variant=row.variant,
        timezone=state["timezone"],
        opened_at=row.opened_at,
        status=CaseStatus(row.status),
        outcome=CaseOutcome(row.outcome) if row.outcome else None,
        closed_at=row.closed_at,
        retries=[
            RetryMade(datetime.fromisoformat(r["at"]), RetryReason(r["reason"])) for r in state["retries"]
        ],
        reminders_sent=[datetime.fromisoformat(m) for m in state["reminders_sent"]],
        beach_offer_sent_at=_at(state["beach_offer_sent_at"]),
        card_updated_at=_at(state["card_updated_at"]),
        failed_card=state.get("failed_card"),
        card_updated_by=state.get("card_updated_by"),
        recovery=(
            Recovery(RecoveryMethod(row.recovery_method), row.last_message_number)
            if row.recovery_method
            else None
        ),
        retained_30d=row.retained_30d,
        payment_date=_chosen_in(state.get("payment_date")),
        backup_card=state.get("backup_card"),
        trace=state.get("trace"),
        version=row.version,
    )
