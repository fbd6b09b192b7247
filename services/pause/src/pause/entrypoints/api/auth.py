"""Who is calling: the admin key, or one customer holding a portal session token.

The token may come as `Authorization: Bearer …` or, for the portal page, in the
`portal_session` cookie. An expired token is a 401 that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends

from pause.service_layer.messages import Principal
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.portal_auth import admin_or_portal_claims
from shared.portal_tokens import PortalClaims, PortalTokenVerifier


def principal_dependency(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[..., Awaitable[Principal]]:
    caller = admin_or_portal_claims(keys, verifier, clock)

    # A default, not Annotated: the annotations are strings, and `caller` is local.
    async def principal(claims: PortalClaims | None = Depends(caller)) -> Principal:  # noqa: B008
        if claims is None:
            return Principal(customer_id=None)
        return Principal(claims.customer_id, recovery_case=claims.recovery_case)

    return principal
