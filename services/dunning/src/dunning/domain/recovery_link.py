"""Recovery links: what a dunning message's link may still do when the customer opens it.

A portal session lasts an hour, but a customer reads a reminder the next morning or the
next week. So every dunning message carries its own opaque random token for one customer
and one case, and we keep only its hash: a copy of the database opens no one's portal.
The link works for the whole life of its case; in the 7 days after the case closes it
says all is settled; the card-expiry heads-up, which has no case, works for 30 days.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

TOKEN_PREFIX = "rt_"  # noqa: S105 (a prefix that tells a recovery token apart, not a secret)
SETTLED_FOR = timedelta(days=7)
HEADS_UP_LIFE = timedelta(days=30)
NO_CASE = "-"
"""The case a heads-up's token and session name: there is none yet."""


class LinkStanding(Enum):
    OPEN = "open"
    """It opens a recovery session for its case."""
    SETTLED = "settled"
    """Its case closed less than 7 days ago: a friendly "all settled" page."""
    EXPIRED = "expired"
    """Unknown, revoked or past its life: the same page as an expired portal link."""


def hash_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_recovery_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and 20 <= len(token) <= 80


@dataclass(frozen=True)
class RecoveryToken:
    """The stored half of a link: the hash, never the token."""

    token_hash: str
    customer_id: str
    case_id: str
    issued_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, customer_id: str, case_id: str | None, now: datetime) -> tuple[str, RecoveryToken]:
        """A new token (to put in the message) and what to store of it."""
        token = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
        return token, cls(hash_of(token), customer_id, case_id or NO_CASE, now)

    @property
    def has_case(self) -> bool:
        return self.case_id != NO_CASE

    def standing(self, now: datetime, case_closed_at: datetime | None, case_known: bool) -> LinkStanding:
        """`case_closed_at` is None while the case is open; `case_known` False if it is gone."""
        if self.revoked_at is not None:
            return LinkStanding.EXPIRED
        if not self.has_case:
            return LinkStanding.OPEN if now < self.issued_at + HEADS_UP_LIFE else LinkStanding.EXPIRED
        if not case_known:
            return LinkStanding.EXPIRED
        if case_closed_at is None:
            return LinkStanding.OPEN
        return LinkStanding.SETTLED if now < case_closed_at + SETTLED_FOR else LinkStanding.EXPIRED
