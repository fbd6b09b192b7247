"""One failed invoice through the real dunning engine, with the customer reacting to it.

The loop is the dunning scheduler's, event by event: ask `next_due`, let any customer
fact that happens first (a new card, an annoyed cancellation) reach the case, otherwise
`decide` and `apply`. Retries go to the wallet, which knows whether the cause cleared;
reminders may bring a new card or drive the customer away.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.decisions import HARD_DECLINE_TEMPLATE, Close, OfferBeach, Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.policy import NIGHT, DunningPolicy
from shared.contracts.dunning import CaseOutcome
from shared.money import Money
from simulator.model.tally import Tally, add_money
from simulator.model.wallet import Wallet

ANNOYED = "annoyed"
NEW_CARD = "new_card"
MAX_STEPS = 1000


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How the case ended; `pause_months` is set when the customer went on the beach."""

    outcome: CaseOutcome | str
    closed_at: datetime
    pause_months: int | None = None


def _first_events(wallet: Wallet, code: str, failed_at: datetime) -> list[tuple[datetime, str]]:
    """Facts the customer brings without being asked: the updater's card, a lost card replaced."""
    events: list[tuple[datetime, str]] = []
    if code == "expired_card":
        delay = wallet.updater_delay()
        if delay is not None:
            events.append((failed_at + delay, NEW_CARD))
    if code == "lost_card" and wallet.rng.random() < wallet.assumptions.new_card_unprompted:
        events.append((failed_at + timedelta(days=wallet.rng.uniform(1, 30)), NEW_CARD))
    return events


def _react_to_reminder(
    wallet: Wallet, case: DunningCase, template: str, at: datetime
) -> list[tuple[datetime, str]]:
    a, rng = wallet.assumptions, wallet.rng
    events: list[tuple[datetime, str]] = []
    night = NIGHT.contains(at, case.zone)
    if rng.random() < a.annoyance_per_reminder * (a.night_annoyance_factor if night else 1.0):
        events.append((at + timedelta(hours=rng.uniform(0.1, 12)), ANNOYED))
    card_problem = case.decline_code in ("expired_card", "lost_card", "card_declined")
    chance = a.new_card_after_request if template == HARD_DECLINE_TEMPLATE else a.update_after_reminder
    if card_problem and rng.random() < chance:
        events.append((at + timedelta(hours=rng.uniform(1, 5 * 24)), NEW_CARD))
    return events


def _pause_months(rng: random.Random, weights: tuple[float, ...]) -> int:
    return rng.choices((1, 2, 3), weights=weights)[0]


def run_case(
    wallet: Wallet, case: DunningCase, policy: DunningPolicy, tally: Tally, amount: Money
) -> CaseResult:
    """Run the case to its end; the tally learns every reminder, retry and recovery."""
    events = _first_events(wallet, case.decline_code, case.opened_at)
    heapq.heapify(events)
    now, pause_months = case.opened_at, None
    for _ in range(MAX_STEPS):
        due = next_due(case, now, policy)
        if due is None:
            break
        if events and events[0][0] <= due:
            at, kind = heapq.heappop(events)
            now = max(now, at)
            if kind == ANNOYED:
                case.close(CaseOutcome.CANCELED, now)
                return CaseResult(ANNOYED, now)
            wallet.new_card(now)
            case.card_updated(now)
            continue
        now = due
        for decision in decide(case, now, policy):
            apply(case, decision, now)
            match decision:
                case Retry():
                    tally["retries"] += 1
                    if wallet.retry_decline(now) is None:
                        case.recover(now)
                        return CaseResult(CaseOutcome.RECOVERED, now, pause_months)
                case Remind(template_id=template):
                    tally["reminders"] += 1
                    for event in _react_to_reminder(wallet, case, template, now):
                        heapq.heappush(events, event)
                case OfferBeach():
                    tally["beach_offers"] += 1
                    if wallet.rng.random() < wallet.assumptions.takes_dunning_offer_share:
                        pause_months = _pause_months(wallet.rng, wallet.assumptions.pause_months_weights)
                        case.customer_paused(now)
                        tally["dunning_offer_taken"] += 1
                case Close(outcome=outcome):
                    return CaseResult(outcome, now, pause_months or 1)
        case.events.clear()
    raise RuntimeError(f"dunning case {case.id} did not close in {MAX_STEPS} steps")


def record_case(tally: Tally, case: DunningCase, result: CaseResult, amount: Money) -> None:
    """The finance report's view of a closed case."""
    tally["cases"] += 1
    tally[f"cases:{case.decline_class.value}"] += 1
    tally[f"outcome:{result.outcome}"] += 1
    if result.outcome == CaseOutcome.RECOVERED:
        tally[f"recovered_cases:{case.decline_class.value}"] += 1
        tally["recovered_cases"] += 1
        tally["contacts_on_recovered"] += case.contacts
        tally["zero_contact_recoveries"] += case.contacts == 0
        tally["days_to_recover_x100"] += int((result.closed_at - case.opened_at) / timedelta(days=1) * 100)
        add_money(tally, "recovered", amount.currency, amount.amount)
    tally["contacts"] += case.contacts
