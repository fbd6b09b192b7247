"""Which billing process may send a charge, and until when.

Every process (replica, restart) has its own owner name. A pending attempt goes to the
gateway only from the process that holds its lease, and only while enough of the lease
is left for the call to end inside it; so two processes never send one charge at the
same time. If the holder dies, its leases run out and another process sends those
attempts again with the same idempotency key.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from billing.domain.payment import Lease, PaymentAttempt
from billing.domain.retry_budget import RetryBudget
from shared.clock import Clock, SystemClock

DEFAULT_LENGTH = timedelta(seconds=60)


def owner_name() -> str:
    """Unique per process, and readable in the database: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class ChargeLeases:
    owner: str = field(default_factory=owner_name)
    length: timedelta = DEFAULT_LENGTH
    clock: Clock = field(default_factory=SystemClock)
    budget: RetryBudget = field(default_factory=RetryBudget)
    """The card networks' limits every charge is sent within (`retry_budget`)."""

    def new(self) -> Lease:
        return Lease(self.owner, self.clock.now() + self.length)

    @property
    def margin(self) -> timedelta:
        """What must be left of a lease to start a gateway call: half of it, well above
        the gateway's own timeouts and retries."""
        return self.length / 2

    def may_send(self, attempt: PaymentAttempt) -> bool:
        if attempt.lease_owner != self.owner or attempt.lease_expires_at is None:
            return False
        return Lease(self.owner, attempt.lease_expires_at).leaves_time_to_send(self.clock.now(), self.margin)
