"""Delivering a requested notification once, after the claim on it committed.

The notifier's inbox lives in dunning's database, keyed by notification id, so a
redelivery, a rebalance, a replica or a second request for the same notification
never sends it again. If the mail server refuses the connection, the claim is given
back (a transaction of its own, after the first one committed) and the message comes
again later.
"""

from __future__ import annotations

from collections.abc import Callable

from dunning.adapters.mailer import Mailer, MailServerUnavailable
from dunning.metrics import count_sent
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.contracts.base import CloudEvent
from shared.contracts.notifications import NotificationRequested

NOTIFIER = "notifier"
"""The notifier's name as a consumer: its inbox claims are recorded under it."""


class NotificationDelivery:
    def __init__(self, mailer: Mailer, unit_of_work: Callable[[], DunningUnitOfWork]) -> None:
        self.mailer, self.unit_of_work = mailer, unit_of_work

    async def deliver(self, event: CloudEvent[NotificationRequested], work: DunningUnitOfWork) -> None:
        async def send() -> None:
            try:
                await self.mailer.send(event.data)
            except MailServerUnavailable:
                async with self.unit_of_work() as again:
                    await again.unclaim(NOTIFIER, event)
                    await again.commit()
                raise
            count_sent(event.data.template_id)

        work.after_commit(send)
