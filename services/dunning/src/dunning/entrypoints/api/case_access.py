"""Who is asking about a dunning case: a key, a customer's portal session, or a recovery link.

Finance's key reads every case, the admin key reads and changes every case; a portal
session (from billing, or opened from a recovery link) acts for its customer, and a
recovery link's own token (`rt_…`) for its one case while it is open. Anything else is
a 401 that says why, never a peek at whether the case exists.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from dunning.service_layer.payment_dates import CaseCaller
from dunning.service_layer.recovery import RecoveryTokenHolder
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.clock import Clock
from shared.http.auth import ApiKeys, bearer_token
from shared.http.portal_auth import COOKIE
from shared.portal_tokens import InvalidPortalToken, PortalTokenVerifier

RECOVERY_PREFIX = "rt_"


def _refused(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


class CaseAccess:
    def __init__(
        self,
        bus: MessageBus[DunningUnitOfWork],
        keys: ApiKeys,
        verifier: PortalTokenVerifier | None,
        clock: Clock,
    ) -> None:
        self.bus, self.keys, self.verifier, self.clock = bus, keys, verifier, clock

    async def caller(self, request: Request, *, finance_reads: bool) -> CaseCaller:
        token = bearer_token(request) or request.cookies.get(COOKIE)
        if token is None:
            raise _refused("a portal session, a recovery link's token or an API key is required")
        role = self.keys.role_of(token)
        if role == "admin" or (role == "finance" and finance_reads):
            return CaseCaller(None)
        if role is not None:
            raise HTTPException(403, "this key cannot change a dunning case")
        if token.startswith(RECOVERY_PREFIX):
            holder = await self.bus.handle(RecoveryTokenHolder(token))
            if holder is None:
                raise _refused("this link has expired or is not valid")
            return CaseCaller(holder[0], recovery_case=holder[1])
        return self._portal(token)

    def _portal(self, token: str) -> CaseCaller:
        if self.verifier is None:
            raise _refused("portal sessions are not configured here (PORTAL_PUBLIC_KEY)")
        try:
            claims = self.verifier.claims_of(token, self.clock.now())
        except InvalidPortalToken as exc:
            raise _refused("the portal session has expired" if exc.expired else "invalid token") from None
        return CaseCaller(claims.customer_id, recovery_case=claims.recovery_case)
