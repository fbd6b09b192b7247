"""Who is calling: the admin key, or one customer holding a portal session token.

The token may come as `Authorization: Bearer …` or, for the portal page, in the
`portal_session` cookie. An expired token is a 401 that says so.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from pause.service_layer.pausing import Principal
from shared.clock import Clock
from shared.http.auth import ApiKeys, bearer_token
from shared.portal_tokens import InvalidPortalToken, PortalTokenVerifier

COOKIE = "portal_session"


def principal_dependency(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[[Request], Principal]:
    def principal(request: Request) -> Principal:
        token = bearer_token(request) or request.cookies.get(COOKIE)
        if token is None:
            raise HTTPException(401, "a portal session token or the admin key is required")
        role = keys.role_of(token)
        if role == "admin":
            return Principal(customer_id=None)
        if role is not None:
            raise HTTPException(403, "this endpoint needs a portal session or the admin key")
        if verifier is None:
            raise HTTPException(401, "portal sessions are not configured here (PORTAL_PUBLIC_KEY)")
        try:
            return Principal(customer_id=verifier.customer_of(token, clock.now()))
        except InvalidPortalToken as exc:
            message = "the portal session has expired" if exc.expired else "invalid portal session token"
            raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"}) from None

    return principal
