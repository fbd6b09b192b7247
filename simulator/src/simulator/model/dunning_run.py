"""One failed invoice through the real dunning engine, with the customer reacting to it.

The loop is the dunning scheduler's, event by event: ask `next_due`, let any customer
fact that happens first (a new card, an annoyed cancellation) reach the case, otherwise
`decide` and `apply`. Retries go to the wallet, which knows whether the cause cleared;
reminders may bring a new card or drive the customer away.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dunning.domain.case import DunningCase
from dunning.domain.decisions import Close, OfferBeach, Remind, Retry
from dunning.domain.engine import apply, decide, next_due
from dunning.domain.policy import NIGHT, DunningPolicy
from shared.contracts.dunning import CaseOutcome
from shared.money import Money
from simulator.luck import reaction, unprompted_new_card
from simulator.model.tally import METHOD, Tally, add_money
from simulator.model.wallet import Wallet
from simulator.population import BreakChoice

ANNOYED = "annoyed"
NEW_CARD = "new_card"
UPDATER_CARD = "updater_card"
"""The network's account updater brought the card, not the customer: it is credited so."""
BREAK = "break"
LEFT_DURING_CASE = "left_during_case"
MAX_STEPS = 1000


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How the case ended; `pause_months` is set when the customer went on the beach."""

    outcome: CaseOutcome | str
    closed_at: datetime
    pause_months: int | None = None
    break_taken: bool = False
    """The customer's wish for a break fell inside the case and was played there."""


def _first_events(wallet: Wallet, code: str, failed_at: datetime) -> list[tuple[datetime, str]]:
    """Facts the customer brings without being asked: the updater's card, a lost card replaced."""
    events: list[tuple[datetime, str]] = []
    delay, kind = None, NEW_CARD
    if code == "expired_card":
        delay, kind = wallet.updater_delay(), UPDATER_CARD
    elif code == "lost_card":
        delay = unprompted_new_card(wallet.seed, wallet.customer.index, wallet.assumptions)
    if delay is not None:
        events.append((failed_at + delay, kind))
    return events


def _react_to_reminder(
    wallet: Wallet, case: DunningCase, case_number: int, template: str, at: datetime
) -> list[tuple[datetime, str]]:
    night = NIGHT.contains(at, case.zone)
    message = (case_number, case.contacts)
    answer = reaction(
        wallet.seed, wallet.customer.index, message, template, case.decline_code, night, wallet.assumptions
    )
    events: list[tuple[datetime, str]] = []
    if answer.annoyed:
        events.append((at + answer.annoyed_after, ANNOYED))
    if answer.new_card_after is not None:
        events.append((at + answer.new_card_after, NEW_CARD))
    return events


def _wants_break(
    case: DunningCase,
    at: datetime,
    choice: BreakChoice,
    tally: Tally,
    eligible: Callable[[datetime, bool], bool],
) -> CaseResult:
    """A cancel intent while the case is open, as the portal answers it.

    The beach is offered first, but a pause is allowed during a case only as dunning's
    own offer, once it was made; otherwise the customer, who wanted to leave, cancels.
    """
    tally["cancel_intents"] += 1
    offered = case.beach_offer_sent_at is not None
    if eligible(at, offered) and choice.takes_pause:
        tally["pauses_from_intents"] += 1
        case.close(CaseOutcome.PAUSED, at)
        return CaseResult(CaseOutcome.PAUSED, at, choice.months, True)
    case.close(CaseOutcome.CANCELED, at)
    return CaseResult(LEFT_DURING_CASE, at, break_taken=True)


@dataclass
class _CaseRun:
    """One case between its customer's doings and the policy's decisions."""

    wallet: Wallet
    case: DunningCase
    policy: DunningPolicy
    tally: Tally
    case_number: int
    events: list[tuple[datetime, str]]

    def customer_acts(self, kind: str, now: datetime) -> CaseResult | None:
        if kind == ANNOYED:
            self.case.close(CaseOutcome.CANCELED, now)
            return CaseResult(ANNOYED, now)
        self.wallet.new_card(now)
        self.case.card_updated(now, source="card_updater" if kind == UPDATER_CARD else "customer")
        return None

    def policy_acts(self, now: datetime) -> CaseResult | None:
        for decision in decide(self.case, now, self.policy):
            apply(self.case, decision, now)
            if (ended := self._follow(decision, now)) is not None:
                return ended
        return None

    def _follow(self, decision: object, now: datetime) -> CaseResult | None:
        case, tally = self.case, self.tally
        match decision:
            case Retry():
                tally["retries"] += 1
                if self.wallet.retry_decline(now) is None:
                    case.recover(now)
                    return CaseResult(CaseOutcome.RECOVERED, now)
            case Remind(template_id=template):
                tally["reminders"] += 1
                for event in _react_to_reminder(self.wallet, case, self.case_number, template, now):
                    heapq.heappush(self.events, event)
            case OfferBeach(template_id=template):
                tally["beach_offers"] += 1
                answer = reaction(
                    self.wallet.seed,
                    self.wallet.customer.index,
                    (self.case_number, case.contacts),
                    template,
                    case.decline_code,
                    False,
                    self.wallet.assumptions,
                )
                if answer.takes_offer:  # on the beach: billing's subscription.paused ends the case
                    tally["dunning_offer_taken"] += 1
                    case.close(CaseOutcome.PAUSED, now)
                    return CaseResult(CaseOutcome.PAUSED, now, answer.offer_months)
            case Close(outcome=outcome):
                return CaseResult(outcome, now, 1)
        return None


def run_case(
    wallet: Wallet,
    case: DunningCase,
    policy: DunningPolicy,
    tally: Tally,
    amount: Money,
    *,
    case_number: int = 1,
    wants_break: tuple[datetime, BreakChoice] | None = None,
    eligible: Callable[[datetime, bool], bool] = lambda at, offered: offered,
) -> CaseResult:
    """Run the case to its end; the tally learns every reminder, retry and recovery.

    `case_number` counts the customer's cases in the run, for the luck of their messages;
    `wants_break` is when the customer will want a break and what they will choose, if
    that is still to come; `eligible` answers whether the pause service would let them
    pause then (given whether dunning's beach offer is open).
    """
    events = _first_events(wallet, case.decline_code, case.opened_at)
    if wants_break is not None and wants_break[0] >= case.opened_at:
        events.append((wants_break[0], BREAK))
    heapq.heapify(events)
    run = _CaseRun(wallet, case, policy, tally, case_number, events)
    now = case.opened_at
    for _ in range(MAX_STEPS):
        due = next_due(case, now, policy)
        if due is None:
            break
        if events and events[0][0] <= due:
            at, kind = heapq.heappop(events)
            now = max(now, at)
            if kind == BREAK:
                assert wants_break is not None
                return _wants_break(case, now, wants_break[1], tally, eligible)
            if (ended := run.customer_acts(kind, now)) is not None:
                return ended
            continue
        now = due
        if (ended := run.policy_acts(now)) is not None:
            return ended
        case.events.clear()
    raise RuntimeError(f"dunning case {case.id} did not close in {MAX_STEPS} steps")


def record_case(tally: Tally, case: DunningCase, result: CaseResult, amount: Money) -> None:
    """The finance report's view of a closed case."""
    tally["cases"] += 1
    tally[f"cases:{case.decline_class.value}"] += 1
    outcome = CaseOutcome.CANCELED if result.outcome == LEFT_DURING_CASE else result.outcome
    tally[f"outcome:{outcome}"] += 1
    if result.outcome == CaseOutcome.RECOVERED:
        tally[f"recovered_cases:{case.decline_class.value}"] += 1
        tally["recovered_cases"] += 1
        tally["contacts_on_recovered"] += case.contacts
        tally["zero_contact_recoveries"] += case.contacts == 0
        if case.recovery is not None:
            tally[f"{METHOD}:{case.recovery.method.value}"] += 1
        tally["days_to_recover_x100"] += int((result.closed_at - case.opened_at) / timedelta(days=1) * 100)
        add_money(tally, "recovered", amount.currency, amount.amount)
    tally["contacts"] += case.contacts
