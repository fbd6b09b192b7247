"""One subscriber's year: renewals on billing's periods, dunning cases, breaks on the beach.

Billing renews on `period(anchor, n)`; a pause ends with a new period from the resume
date, as billing does on `pause.ended`. A customer who wants a break is offered the pause
first (the portal's cancel intent) and checked with the pause domain's
`check_eligibility`; the dunning final action "pause" uses the shortest duration, as the
pause service does. A fourth failure in twelve months is an exception: the simulator
cancels when the eligibility check refuses, which the service does not do (see README).
A wish for a break that comes while a dunning case is open is played inside the case, as
the portal answers it: a pause only once dunning's beach offer is open, else a cancel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from billing.domain.periods import period
from dunning.domain.case import DunningCase
from dunning.domain.policy import DunningPolicy
from pause.domain.eligibility import check_eligibility
from pause.domain.pause import BeachPause, fee_total
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from shared.calendar import add_months
from shared.contracts.dunning import CaseOutcome
from shared.contracts.pause import PauseSource
from shared.money import Money
from simulator.assumptions import Assumptions
from simulator.model.dunning_run import ANNOYED, LEFT_DURING_CASE, CaseResult, record_case, run_case
from simulator.model.tally import Tally, add_money
from simulator.model.wallet import Wallet
from simulator.population import RUN_START, Customer

PAUSE_POLICY = PausePolicy()


@dataclass
class Subscriber:
    customer: Customer
    policy: DunningPolicy
    assumptions: Assumptions
    wallet: Wallet
    tally: Tally
    price: Money
    pauses: list[BeachPause] = field(default_factory=list)
    unpaid: bool = False

    @property
    def sub_id(self) -> str:
        return f"sub_{self.customer.index}"

    def view(self, start: datetime, end: datetime, status: str = "active") -> SubscriptionView:
        return SubscriptionView(
            id=self.sub_id,
            customer_id=f"cus_{self.customer.index}",
            plan_code=self.customer.plan.code,
            price=self.price,
            beach_fee=None,
            status="past_due" if status == "past_due" else "active",
            current_period_start=start,
            current_period_end=end,
            open_dunning_case=status == "past_due",
            dunning_offer_open=status == "past_due",
        )

    def pause(self, view: SubscriptionView, months: int, at: datetime, source: PauseSource) -> datetime:
        """Schedule, start and (at its resume date) end a pause; the fee is owed per month."""
        pause = BeachPause.schedule(view, months, at, PAUSE_POLICY, source)
        if pause.is_due_to_start(pause.starts_at) and pause.started_at is None:
            pause.start(pause.starts_at)
        pause.end(pause.resumes_at)
        self.pauses.append(pause)
        fee = fee_total(pause)
        add_money(self.tally, "pause_fees", fee.currency, fee.amount)
        self.tally["pauses"] += 1
        return pause.resumes_at


def _take_break(sub: Subscriber, at: datetime, start: datetime, end: datetime) -> datetime | None:
    """A cancel intent: the beach first. Answers the resume date, or None if they leave."""
    tally, choice = sub.tally, sub.customer.break_choice
    tally["cancel_intents"] += 1
    view = sub.view(start, end)
    eligible = check_eligibility(view, sub.pauses, at, PAUSE_POLICY).eligible
    if not eligible or not choice.takes_pause:
        tally["churn_voluntary"] += 1
        tally["churn_declined_pause"] += 1
        return None
    tally["pauses_from_intents"] += 1
    return sub.pause(view, choice.months, at, "portal")


def _after_break(sub: Subscriber, resumes_at: datetime, run_end: datetime) -> bool:
    """True if the customer is back; a pause still running at the end counts as neither."""
    if resumes_at >= run_end:
        sub.tally["paused_at_end"] += 1
        return False
    sub.tally["pauses_ended"] += 1
    if sub.customer.break_choice.returns:
        sub.tally["returned_after_pause"] += 1
        return True
    sub.tally["churn_voluntary"] += 1
    sub.tally["churn_after_pause"] += 1
    return False


def _dunning(
    sub: Subscriber, code: str, at: datetime, start: datetime, end: datetime, break_at: datetime | None
) -> tuple[datetime | None, bool]:
    """A failed renewal. Answers when billing next charges (None if the subscription
    ended), and whether the customer's wish for a break (`break_at`) was played during it."""
    case = DunningCase.open(
        case_id=f"dc_{sub.customer.index}_{sub.tally['cases']}",
        subscription_id=sub.sub_id,
        customer_id=f"cus_{sub.customer.index}",
        invoice_id=f"in_{sub.customer.index}_{at:%Y%m%d}",
        amount_due=sub.price,
        decline_code=code,
        failed_at=at,
        timezone=sub.customer.timezone,
        policy=sub.policy,
    )
    view = sub.view(start, end, "past_due")

    def eligible(moment: datetime, offered: bool) -> bool:
        return check_eligibility(view, sub.pauses, moment, PAUSE_POLICY, dunning_offer=offered).eligible

    result = run_case(
        sub.wallet,
        case,
        sub.policy,
        sub.tally,
        sub.price,
        case_number=sub.tally["cases"] + 1,
        wants_break=(break_at, sub.customer.break_choice) if break_at else None,
        eligible=eligible,
    )
    record_case(sub.tally, case, result, sub.price)
    return _after_case(sub, view, result, end), result.break_taken or result.outcome == LEFT_DURING_CASE


def _after_case(
    sub: Subscriber, view: SubscriptionView, result: CaseResult, end: datetime
) -> datetime | None:
    """When billing next charges once the case closed (None: the subscription ended)."""
    if result.outcome == ANNOYED:
        sub.tally["churn_voluntary"] += 1
        sub.tally["churn_annoyed"] += 1
        return None
    if result.outcome == LEFT_DURING_CASE:
        sub.tally["churn_voluntary"] += 1
        sub.tally["churn_declined_pause"] += 1
        return None
    if result.outcome == CaseOutcome.RECOVERED:
        sub.unpaid = False
        add_money(sub.tally, "revenue", sub.price.currency, sub.price.amount)
        return end
    sub.unpaid = True
    if result.outcome != CaseOutcome.PAUSED:
        return None
    if not check_eligibility(view, sub.pauses, result.closed_at, PAUSE_POLICY, dunning_offer=True).eligible:
        return None
    sub.tally["dunning_pauses"] += 1
    return sub.pause(view, result.pause_months or 1, result.closed_at, "dunning_offer")


def _next_period_after_case(
    sub: Subscriber,
    next_charge: datetime | None,
    break_taken: bool,
    at: tuple[datetime, int],
    end: datetime,
    run_end: datetime,
) -> tuple[datetime, int] | None:
    """The (anchor, index) billing goes on from after a case; None when the run ends for
    this customer (they left, or are still paused when it ends)."""
    if (
        break_taken
        and next_charge is not None
        and next_charge != end
        and not _after_break(sub, next_charge, run_end)
    ):
        return None
    if next_charge is None:
        return None
    if next_charge >= run_end and next_charge != end:
        sub.tally["paused_at_end"] += 1
        return None
    anchor, index = at
    return (anchor, index + 1) if next_charge == end else (next_charge, 0)


def live(
    customer: Customer,
    policy: DunningPolicy,
    months: int,
    assumptions: Assumptions,
    seed: int,
    start: datetime = RUN_START,
) -> Tally:
    """The customer's whole run under one policy; their luck is their own, the same
    under every policy (`simulator.luck`)."""
    plan = customer.plan
    price = Money.of(plan.amount, plan.currency)
    sub = Subscriber(customer, policy, assumptions, Wallet(customer, assumptions, seed), Tally(), price)
    run_end, anchor, index = add_months(start, months), customer.anchor, 1
    break_pending = customer.wants_break_at is not None
    sub.tally["customers"] += 1
    while True:
        start, end = period(anchor, index, "month")
        if start >= run_end:
            sub.tally["active_at_end"] += 1
            break
        if break_pending and customer.wants_break_at is not None and customer.wants_break_at < start:
            break_pending = False
            resumes = _take_break(sub, customer.wants_break_at, period(anchor, index - 1, "month")[0], start)
            if resumes is None or not _after_break(sub, resumes, run_end):
                break
            anchor, index = resumes, 0
            continue
        sub.tally["renewals"] += 1
        code = sub.wallet.renewal_decline(start, sub.tally["renewals"])
        if code is None:
            sub.unpaid = False
            add_money(sub.tally, "revenue", plan.currency, plan.amount)
            index += 1
            continue
        break_at = customer.wants_break_at if break_pending else None
        next_charge, break_taken = _dunning(sub, code, start, start, end, break_at)
        break_pending = break_pending and not break_taken
        moved = _next_period_after_case(sub, next_charge, break_taken, (anchor, index), end, run_end)
        if moved is None:
            break
        anchor, index = moved
    sub.tally["churn_involuntary"] += sub.unpaid
    return sub.tally
