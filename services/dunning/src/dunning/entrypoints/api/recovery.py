"""`POST /v1/dunning/recovery-sessions`: the portal opens a recovery link for its customer.

The portal (pause) calls this with the admin key and the token from the link; the token
alone reaches nothing. The answer is an ordinary portal session limited to the recovery
scope, or why there is none: 409 `case_settled` in the week after the case closed, 404
`link_expired` for a token unknown, revoked or past its life.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from dunning.domain.recovery_link import LinkStanding
from dunning.service_layer.recovery import OpenRecoveryLink, RecoveryUnavailable
from dunning.service_layer.unit_of_work import DunningUnitOfWork
from shared.bus import MessageBus
from shared.http.auth import ApiKeys
from shared.http.errors import ApiError
from shared.http.openapi import errors


class RecoveryLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)


class RecoverySessionOut(BaseModel):
    customer_id: str
    case_id: str
    token: str
    expires_at: datetime


def recovery_router(bus: MessageBus[DunningUnitOfWork], keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/dunning", tags=["recovery"], dependencies=[Depends(keys.require("admin"))])

    @router.post(
        "/recovery-sessions", status_code=201, response_model=RecoverySessionOut, responses=errors(404, 503)
    )
    async def open_link(body: RecoveryLinkIn) -> RecoverySessionOut:
        try:
            found = await bus.handle(OpenRecoveryLink(body.token))
        except RecoveryUnavailable:
            raise ApiError(503, "unavailable", "no portal session now; try again in a moment") from None
        if found.standing is LinkStanding.SETTLED:
            raise ApiError(409, "case_settled", "this payment is settled; nothing more to do", "token")
        if found.session_token is None or found.expires_at is None:
            raise ApiError(404, "link_expired", "this link has expired or is not valid", "token")
        return RecoverySessionOut(
            customer_id=str(found.customer_id),
            case_id=str(found.case_id),
            token=found.session_token,
            expires_at=found.expires_at,
        )

    return router
