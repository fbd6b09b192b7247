"""`POST /v1/portal-sessions`: a link that lets one customer manage their subscription.

As with Stripe's billing portal, the business creates the session server-side with its
admin key and sends the customer the URL; the token in it names that customer only
and expires.

Unlike Stripe's, there is no `return_url`: the portal has no way back to the business's
own site, and a URL carried into its links but never checked or used would only be an
open redirect in waiting. A request that sends one is told so (422 naming it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from billing.entrypoints.api.context import ApiContext
from billing.service_layer.customers import FindCustomer
from shared.http.errors import ApiError
from shared.http.openapi import errors
from shared.portal_tokens import PortalSession, PortalTokenSigner


class PortalSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=40)
    recovery_case_id: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="set by dunning when a recovery link is opened: the session may only "
        "update the card, pick a payment date or take the beach offer for this case "
        "(`-` for a card-expiry heads-up, which has no case)",
    )


class PortalSessionOut(BaseModel):
    id: str
    customer_id: str
    url: str
    token: str
    expires_at: datetime


class PortalSessions:
    def __init__(self, ctx: ApiContext, signer: PortalTokenSigner | None, base_url: str) -> None:
        self.ctx, self.signer, self.base_url = ctx, signer, base_url

    async def create(self, request: Request, body: PortalSessionIn) -> JSONResponse:
        signer = self.signer
        if signer is None:
            raise ApiError(503, "not_configured", "portal sessions need PORTAL_SIGNING_KEY")

        async def run() -> tuple[int, Any]:
            customer = await self.ctx.bus.handle(FindCustomer(body.customer_id))
            now = self.ctx.clock.now()
            session = signer.mint(customer.id, now, recovery_case=body.recovery_case_id)
            return 201, self._answer(session).model_dump(mode="json")

        return await self.ctx.idempotency.run(request, run)

    def _answer(self, session: PortalSession) -> PortalSessionOut:
        return PortalSessionOut(
            id=session.id,
            customer_id=session.customer_id,
            url=f"{self.base_url}?{urlencode({'token': session.token})}",
            token=session.token,
            expires_at=session.expires_at,
        )


def portal_router(ctx: ApiContext, signer: PortalTokenSigner | None, base_url: str) -> APIRouter:
    router = APIRouter(tags=["portal"])
    router.add_api_route(
        "/v1/portal-sessions",
        PortalSessions(ctx, signer, base_url).create,
        methods=["POST"],
        status_code=201,
        dependencies=[Depends(ctx.keys.require("admin"))],
        response_model=PortalSessionOut,
        responses=errors(404, 503),
    )
    return router
