"""Portal session tokens: signed by billing, checked by every service that serves the portal.

Tokens are Ed25519-signed JWTs. Only billing holds the private key, so only billing can
mint a session; the other services hold the public key and can only check one. A token
names exactly one customer and expires; the portal never acts for anyone else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ISSUER = "billing"
AUDIENCE = "portal"


RECOVERY_SCOPE = "recovery"
"""A session opened from a dunning message's recovery link: it may update the card, pick a
payment date or take the beach offer for its one case, and nothing else."""


class InvalidPortalToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.expired = reason == "expired"


@dataclass(frozen=True)
class PortalSession:
    id: str
    customer_id: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class PortalClaims:
    """Who a valid token acts for; `recovery_case` is set for a recovery link's session,
    which the services serving the portal hold to its narrow scope."""

    customer_id: str
    recovery_case: str | None = None

    @property
    def is_recovery(self) -> bool:
        return self.recovery_case is not None


def generate_key_pair() -> tuple[str, str]:
    """A fresh (private PEM, public PEM) pair, e.g. for `make run` and tests."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("expected an Ed25519 private key in PEM")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("expected an Ed25519 public key in PEM")
    return key


class PortalTokenSigner:
    def __init__(self, private_key_pem: str, ttl: timedelta = timedelta(hours=1)) -> None:
        self._key = load_private_key(private_key_pem)
        self.ttl = ttl

    def mint(self, customer_id: str, now: datetime, *, recovery_case: str | None = None) -> PortalSession:
        """`recovery_case` names the case of the recovery link this session was opened from
        (or `-` for a card-expiry heads-up, which has no case)."""
        session_id = f"ps_{secrets.token_hex(12)}"
        expires = now + self.ttl
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": customer_id,
            "jti": session_id,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        if recovery_case is not None:
            claims |= {"scope": RECOVERY_SCOPE, "case": recovery_case}
        token = jwt.encode(claims, self._key, algorithm="EdDSA")
        return PortalSession(id=session_id, customer_id=customer_id, token=token, expires_at=expires)


class PortalTokenVerifier:
    def __init__(self, public_key_pem: str) -> None:
        self._key = load_public_key(public_key_pem)

    def customer_of(self, token: str, now: datetime) -> str:
        """The one customer this token may act for; raises InvalidPortalToken otherwise."""
        return self.claims_of(token, now).customer_id

    def claims_of(self, token: str, now: datetime) -> PortalClaims:
        """The customer and scope of a valid token; raises InvalidPortalToken otherwise.

        Expiry is checked against the service clock (which may be the test clock), not
        the machine's, so simulated months expire tokens as real ones would.
        """
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Time claims are checked below against the service clock: PyJWT would use
                # the machine's, and refuse a token minted on a test clock set in the future.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "sub", "iss", "aud"],
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidPortalToken(f"invalid: {type(exc).__name__}") from None
        if int(claims["exp"]) <= now.timestamp():
            raise InvalidPortalToken("expired")
        if claims.get("scope") == RECOVERY_SCOPE:
            return PortalClaims(str(claims["sub"]), str(claims.get("case") or "-"))
        return PortalClaims(str(claims["sub"]))
