"""Recovery links: issued with each dunning message, exchanged for a portal session.

Issuing happens in the transaction that queues the message, so a message and the token
in its link are stored together or not at all. Opening a link is a process: the token is
looked up in one short read, then billing (which alone can sign portal sessions) is asked
for an ordinary 60-minute session limited to the recovery scope, with no transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from dunning.domain.recovery_link import LinkStanding, RecoveryToken, hash_of, looks_like_recovery_token
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import Command, Query


class RecoverySessions(Protocol):
    """Where recovery sessions come from: billing's `POST /v1/portal-sessions`."""

    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]: ...


class RecoveryUnavailable(Exception):
    """Billing gave no session: the customer is asked to try again in a moment."""


@dataclass(frozen=True)
class OpenRecoveryLink(Command["RecoveryExchange"]):
    token: str = field(repr=False)


@dataclass(frozen=True)
class RecoveryExchange:
    standing: LinkStanding
    customer_id: str | None = None
    case_id: str | None = None
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RecoveryTokenHolder(Query["tuple[str, str] | None"]):
    """Whom a recovery token stands for right now: (customer, case), or None."""

    token: str = field(repr=False)


async def _standing(work: DunningUnitOfWork, token: str) -> tuple[LinkStanding, RecoveryToken | None]:
    stored = await work.recovery_tokens.get(hash_of(token)) if looks_like_recovery_token(token) else None
    if stored is None:
        return LinkStanding.EXPIRED, None
    case = await work.cases.get(stored.case_id) if stored.has_case else None
    closed_at = case.closed_at if case is not None and not case.is_open else None
    return stored.standing(work.clock.now(), closed_at, case is not None), stored


class RecoveryLinks:
    def __init__(self, portal_url: str, sessions: RecoverySessions) -> None:
        self.portal_url, self.sessions = portal_url, sessions

    async def issue(
        self, work: DunningUnitOfWork, customer_id: str, case_id: str | None, now: datetime
    ) -> str:
        """A fresh link for one message; only the token's hash is kept."""
        token, stored = RecoveryToken.issue(customer_id, case_id, now)
        await work.recovery_tokens.add(stored)
        return f"{self.portal_url}?{urlencode({'token': token})}"

    async def open(
        self, command: OpenRecoveryLink, unit_of_work: Callable[[], DunningUnitOfWork]
    ) -> RecoveryExchange:
        async with unit_of_work().read_only() as work:
            standing, stored = await _standing(work, command.token)
        if stored is None:
            return RecoveryExchange(standing)
        if standing is not LinkStanding.OPEN:
            return RecoveryExchange(standing, stored.customer_id, stored.case_id)
        token, expires_at = await self.sessions.recovery_session(stored.customer_id, stored.case_id)
        return RecoveryExchange(standing, stored.customer_id, stored.case_id, token, expires_at)

    async def holder(self, query: RecoveryTokenHolder, work: DunningUnitOfWork) -> tuple[str, str] | None:
        standing, stored = await _standing(work, query.token)
        if stored is None or standing is not LinkStanding.OPEN:
            return None
        return stored.customer_id, stored.case_id
