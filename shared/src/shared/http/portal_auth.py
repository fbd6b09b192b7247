"""Admin key or portal session: who is calling a customer-facing endpoint.

The portal acts only for the customer named in its session token; the admin key acts
for anyone. Pause's API and billing's card endpoint answer to both, the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from shared.clock import Clock
from shared.http.auth import ApiKeys, bearer_token
from shared.http.security import AdminKeyDoc, PortalTokenDoc
from shared.portal_tokens import InvalidPortalToken, PortalClaims, PortalTokenVerifier

COOKIE = "portal_session"


def caller_customer(
    request: Request, keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> str | None:
    """The customer a portal token stands for, or None for the admin key; else 401/403."""
    claims = caller_claims(request, keys, verifier, clock)
    return None if claims is None else claims.customer_id


def caller_claims(
    request: Request, keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> PortalClaims | None:
    """The customer and scope of a portal token, or None for the admin key; else 401/403."""
    token = bearer_token(request) or request.cookies.get(COOKIE)
    if token is None:
        raise HTTPException(401, "a portal session token or the admin key is required")
    role = keys.role_of(token)
    if role == "admin":
        return None
    if role is not None:
        raise HTTPException(403, "this endpoint needs a portal session or the admin key")
    if verifier is None:
        raise HTTPException(401, "portal sessions are not configured here (PORTAL_PUBLIC_KEY)")
    try:
        return verifier.claims_of(token, clock.now())
    except InvalidPortalToken as exc:
        message = "the portal session has expired" if exc.expired else "invalid portal session token"
        raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"}) from None


def admin_or_portal(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[..., Awaitable[str | None]]:
    """`caller_customer` as a FastAPI dependency, which also documents that the route
    takes either credential (the two unused parameters are only for the OpenAPI document)."""

    async def dependency(
        request: Request,
        _admin: AdminKeyDoc,
        _portal: PortalTokenDoc,
    ) -> str | None:
        return caller_customer(request, keys, verifier, clock)

    return dependency


def admin_or_portal_claims(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[..., Awaitable[PortalClaims | None]]:
    """`caller_claims` as a documented dependency, for routes that also weigh a session's
    scope (a recovery link's session may do less than a signed-in one)."""

    async def dependency(
        request: Request,
        _admin: AdminKeyDoc,
        _portal: PortalTokenDoc,
    ) -> PortalClaims | None:
        return caller_claims(request, keys, verifier, clock)

    return dependency
