"""Who is calling: the admin key, or one customer holding a portal session token.

The token may come as `Authorization: Bearer …` or, for the portal page, in the
`portal_session` cookie. An expired token is a 401 that says so.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from pause.service_layer.messages import Principal
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.portal_auth import caller_claims
from shared.portal_tokens import PortalTokenVerifier


def principal_dependency(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[[Request], Principal]:
    def principal(request: Request) -> Principal:
        claims = caller_claims(request, keys, verifier, clock)
        if claims is None:
            return Principal(customer_id=None)
        return Principal(claims.customer_id, recovery_case=claims.recovery_case)

    return principal
