"""`POST /v1/webhooks/stripe`: signature-checked, logged, idempotent by event id."""

from __future__ import annotations

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


def webhooks_router(ctx: ApiContext, log: WebhookLog, secret: str | None, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post("/v1/webhooks/stripe")
    async def stripe_webhook(request: Request) -> JSONResponse:
        body = await request.body()
        headers = dict(request.headers)
        received = clock.now()
        try:
            if not secret:
                raise InvalidWebhookSignature("STRIPE_WEBHOOK_SECRET is not configured")
            event = verify_stripe_webhook(body, request.headers.get("stripe-signature"), secret)
        except InvalidWebhookSignature as exc:
            await log.record(body=body, headers=headers, valid=False, received_at=received, error=str(exc))
            return JSONResponse(error_body("invalid_signature", str(exc), "Stripe-Signature"), 400)
        event_id, event_type = str(event.get("id")), str(event.get("type"))
        duplicate = await log.already_processed(event_id)
        row = await log.record(
            body=body,
            headers=headers,
            valid=True,
            received_at=received,
            gateway_event_id=event_id,
            event_type=event_type,
            error="duplicate: already processed" if duplicate else None,
        )
        if duplicate:
            return JSONResponse({"received": True, "duplicate": True})
        try:
            notice = card_update_from_event(event)
            if notice is not None:
                await ctx.bus.handle(ApplyCardUpdate(notice.gateway_customer, notice.card))
        except Exception as exc:
            await log.finish(row, at=None, error=f"{type(exc).__name__}: {exc}")
            raise
        await log.finish(row, at=clock.now(), error=None)
        return JSONResponse({"received": True})

    return router
