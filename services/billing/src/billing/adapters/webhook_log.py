"""Every webhook we receive, valid or not, with what became of it.

Kept whole (raw body, the headers that matter, validity, processing error) so that a
disputed card update can be traced, and so that redelivered events are recognised.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.orm import webhook_events
from shared.db.engine import reading

KEPT_HEADERS = ("stripe-signature", "content-type", "user-agent")


class WebhookLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(
        self,
        *,
        body: bytes,
        headers: dict[str, str],
        valid: bool,
        received_at: datetime,
        gateway_event_id: str | None = None,
        event_type: str | None = None,
        error: str | None = None,
    ) -> int:
        kept = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(webhook_events)
                .values(
                    gateway_event_id=gateway_event_id,
                    event_type=event_type,
                    headers=json.dumps(kept),
                    body=body.decode("utf-8", errors="replace"),
                    valid=valid,
                    processing_error=error,
                    received_at=received_at,
                )
                .returning(webhook_events.c.id)
            )
            return int(result.scalar_one())

    async def already_processed(self, gateway_event_id: str) -> bool:
        async with reading(self.engine) as conn:
            row = await conn.execute(
                select(webhook_events.c.id).where(
                    webhook_events.c.gateway_event_id == gateway_event_id,
                    webhook_events.c.processed_at.is_not(None),
                )
            )
            return row.first() is not None

    async def finish(self, row_id: int, *, at: datetime | None, error: str | None) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(webhook_events)
                .where(webhook_events.c.id == row_id)
                .values(processed_at=at, processing_error=error)
            )
