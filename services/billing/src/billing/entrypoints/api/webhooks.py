"""`POST /v1/webhooks/stripe`: signature-checked, logged, idempotent by event id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from billing.adapters.gateways.webhooks import (
    InvalidWebhookSignature,
    card_update_from_event,
    verify_stripe_webhook,
)
from billing.adapters.webhook_log import WebhookLog
from billing.entrypoints.api.context import ApiContext
from billing.service_layer.payment_methods import ApplyCardUpdate
from shared.clock import Clock
from shared.http.errors import error_body
from shared.http.openapi import errors


class StripeWebhooks:
    """Every delivery is logged, valid or not; a verified event is applied once by its id,
    and a failure to apply it is logged before the 5xx that makes Stripe send it again."""

    def __init__(self, ctx: ApiContext, log: WebhookLog, secret: str | None, clock: Clock) -> None:
        self.ctx, self.log, self.secret, self.clock = ctx, log, secret, clock

    async def receive(self, request: Request) -> JSONResponse:
        body, headers, received = await request.body(), dict(request.headers), self.clock.now()
        try:
            event = self._verified(body, request.headers.get("stripe-signature"))
        except InvalidWebhookSignature as exc:
            await self.log.record(
                body=body, headers=headers, valid=False, received_at=received, error=str(exc)
            )
            return JSONResponse(error_body("invalid_signature", str(exc), "Stripe-Signature"), 400)
        row, duplicate = await self._log_valid(body, headers, received, event)
        if duplicate:
            return JSONResponse({"received": True, "duplicate": True})
        await self._apply(event, row)
        return JSONResponse({"received": True})

    async def _log_valid(
        self, body: bytes, headers: dict[str, str], received: datetime, event: dict[str, Any]
    ) -> tuple[int, bool]:
        event_id = str(event.get("id"))
        duplicate = await self.log.already_processed(event_id)
        row = await self.log.record(
            body=body,
            headers=headers,
            valid=True,
            received_at=received,
            gateway_event_id=event_id,
            event_type=str(event.get("type")),
            error="duplicate: already processed" if duplicate else None,
        )
        return row, duplicate

    def _verified(self, body: bytes, signature: str | None) -> dict[str, Any]:
        if not self.secret:
            raise InvalidWebhookSignature("STRIPE_WEBHOOK_SECRET is not configured")
        return verify_stripe_webhook(body, signature, self.secret)

    async def _apply(self, event: dict[str, Any], row: int) -> None:
        try:
            notice = card_update_from_event(event)
            if notice is not None:
                await self.ctx.bus.handle(ApplyCardUpdate(notice.gateway_customer, notice.card))
        except Exception as exc:
            await self.log.finish(row, at=None, error=f"{type(exc).__name__}: {exc}")
            raise
        await self.log.finish(row, at=self.clock.now(), error=None)


def webhooks_router(ctx: ApiContext, log: WebhookLog, secret: str | None, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["webhooks"])
    router.add_api_route(
        "/v1/webhooks/stripe",
        StripeWebhooks(ctx, log, secret, clock).receive,
        methods=["POST"],
        responses=errors(400),
    )
    return router
