"""Who is calling: the admin key, or one customer holding a portal session token.

The token may come as `Authorization: Bearer …` or, for the portal page, in the
`portal_session` cookie. An expired token is a 401 that says so.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends

from pause.service_layer.messages import Principal
from shared.clock import Clock
from shared.http.auth import ApiKeys
from shared.http.portal_auth import admin_or_portal
from shared.portal_tokens import PortalTokenVerifier


def principal_dependency(
    keys: ApiKeys, verifier: PortalTokenVerifier | None, clock: Clock
) -> Callable[..., Principal]:
    caller = admin_or_portal(keys, verifier, clock)

    def principal(customer_id: str | None = Depends(caller)) -> Principal:
        return Principal(customer_id=customer_id)

    return principal
