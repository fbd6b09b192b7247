"""The customer picks the day they are charged: through the API, the portal or a link.

Who may: the admin key for any case, a customer's portal session for their own cases,
and a recovery link (or the session opened from one) for its one case. Anyone else's
case is simply not there (404), so a token never learns that another customer's case
exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from dunning.domain.case import DunningCase
from dunning.domain.payment_date import choose, parse_day
from dunning.domain.schedule import window_end
from dunning.service_layer.policy_book import PolicyBook
from dunning.service_layer.run import save
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import Command
from shared.errors import NotFound


@dataclass(frozen=True)
class CaseCaller:
    """`customer_id` None: the admin or finance key; `recovery_case` set: one case only."""

    customer_id: str | None
    recovery_case: str | None = None

    def may_see(self, case: DunningCase) -> bool:
        return self.may_see_case(case.customer_id, case.id)

    def may_see_case(self, customer_id: str, case_id: str) -> bool:
        if self.customer_id is None:
            return True
        return customer_id == self.customer_id and self.recovery_case in (None, case_id)


@dataclass(frozen=True)
class ChoosePaymentDate(Command[str]):
    """Answers the case id, whose detail the route then shows."""

    case_id: str
    date: str
    who: CaseCaller


def visible(case: DunningCase | None, who: CaseCaller, case_id: str) -> DunningCase:
    if case is None or not who.may_see(case):
        raise NotFound("case_id", f"no dunning case {case_id}")
    return case


class PaymentDates:
    def __init__(self, book: PolicyBook) -> None:
        self.book = book

    async def choose(self, command: ChoosePaymentDate, work: DunningUnitOfWork) -> str:
        case = visible(await work.cases.get(command.case_id), command.who, command.case_id)
        day = parse_day(command.date)
        now = work.clock.now()
        choose(case, day, now, window_end(case, self.book.for_case(case.policy_version)))
        await save(work, case, self.book, now)
        return case.id
