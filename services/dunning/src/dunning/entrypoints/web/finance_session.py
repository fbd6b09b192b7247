"""Finance's sign-in to the dashboard: a signed, expiring session instead of the key.

The finance key is typed once; the cookie then holds a JWT (PyJWT, as the portal's
tokens) that says "finance, until then" and nothing more, so a copied cookie opens the
dashboard for hours, never the API for good. It is signed with HMAC under a key derived
from the finance key: dunning needs no new secret, and rotating `FINANCE_API_KEY` ends
every session at once.

Expiry is wall-clock time, not the service clock: a sign-in lasts a person's working
day, while the test clock may jump months between two clicks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt

COOKIE = "finance_session"
AUDIENCE = "dunning-dashboard"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class FinanceSessions:
    def __init__(self, finance_key: str, ttl: timedelta, now: Callable[[], datetime] = _wall_clock) -> None:
        self._key = hmac.new(finance_key.encode(), b"dunning dashboard session", hashlib.sha256).digest()
        self.ttl, self.now = ttl, now

    def issue(self) -> str:
        now = self.now()
        claims = {
            "sub": "finance",
            "aud": AUDIENCE,
            "jti": secrets.token_hex(8),
            "iat": int(now.timestamp()),
            "exp": int((now + self.ttl).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def valid(self, token: str | None) -> bool:
        """Signed by us, for the dashboard, and not yet expired by `now`."""
        if not token:
            return False
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub", "aud"]},
            )
        except jwt.PyJWTError:
            return False
        return claims["sub"] == "finance" and int(claims["exp"]) > self.now().timestamp()
