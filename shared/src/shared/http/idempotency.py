"""`Idempotency-Key` for POSTs: the same key and body get the same answer, once.

A client that retries after a timeout must not create a second customer or charge
twice. The first request with a key reserves it, runs, and stores its answer; a repeat
with the same body gets that answer back; a repeat with a different body, or while the
first is still running, gets 409.

A key belongs to the route it was first used on (method and route template), as
Stripe's do: the same key sent to another route is a client's mistake, refused with
409 naming the route it belongs to, never answered with the first route's answer and
never run as if it were new.

A key also belongs to the caller who first sent it: the credential is part of the
request's fingerprint, so another caller (customer B holding A's key) is refused with
409 and never shown the answer stored for A.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock
from shared.db.engine import reading
from shared.errors import DomainError
from shared.http.errors import ApiError, api_error_of, error_body
from shared.http.portal_auth import COOKIE as PORTAL_COOKIE

HEADER = "Idempotency-Key"
IN_PROGRESS = 0


Handler = Callable[[], Awaitable[tuple[int, Any]]]


class IdempotentRequests:
    def __init__(self, engine: AsyncEngine, table: Table, clock: Clock) -> None:
        self.engine, self.table, self.clock = engine, table, clock

    async def run(self, request: Request, handler: Handler) -> JSONResponse:
        key = request.headers.get(HEADER)
        if key is None:
            status, body = await _answer(handler)
            return JSONResponse(body, status_code=status)
        if not 1 <= len(key) <= 200:
            raise ApiError(422, "invalid_request", f"{HEADER}: 1 to 200 characters", HEADER)
        caller = request.headers.get("authorization", "") + "\n" + request.cookies.get(PORTAL_COOKIE, "")
        fingerprint = hashlib.sha256(
            caller.encode()
            + b"\n"
            + request.method.encode()
            + request.url.path.encode()
            + b"\n"
            + await request.body()
        ).hexdigest()
        route = f"{request.method} {getattr(request.scope.get('route'), 'path', request.url.path)}"
        if not await self._reserve(key, route, fingerprint):
            return await self._replay(key, route, fingerprint)
        try:
            status, body = await _answer(handler)
        except BaseException:
            async with self.engine.begin() as conn:
                await conn.execute(delete(self.table).where(self.table.c.key == key))
            raise
        async with self.engine.begin() as conn:
            await conn.execute(
                update(self.table)
                .where(self.table.c.key == key)
                .values(status_code=status, response=json.dumps(body))
            )
        return JSONResponse(body, status_code=status)

    async def _reserve(self, key: str, route: str, fingerprint: str) -> bool:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(self.table).values(
                        key=key,
                        route=route,
                        fingerprint=fingerprint,
                        status_code=IN_PROGRESS,
                        response="null",
                        created_at=self.clock.now(),
                    )
                )
            return True
        except IntegrityError:
            return False

    async def _replay(self, key: str, route: str, fingerprint: str) -> JSONResponse:
        async with reading(self.engine) as conn:
            row = (await conn.execute(select(self.table).where(self.table.c.key == key))).first()
        if row is not None and row.route and row.route != route:
            message = f"{HEADER} was first used on {row.route}; use a new key for {route}"
            raise ApiError(409, "idempotency_conflict", message, HEADER)
        if row is None or row.fingerprint != fingerprint:
            raise ApiError(409, "idempotency_conflict", f"{HEADER} was used with a different request", HEADER)
        if row.status_code == IN_PROGRESS:
            raise ApiError(
                409, "idempotency_conflict", f"a request with this {HEADER} is in progress", HEADER
            )
        response = JSONResponse(json.loads(row.response), status_code=row.status_code)
        response.headers["Idempotent-Replayed"] = "true"
        return response


async def _answer(handler: Handler) -> tuple[int, Any]:
    """Run the handler; a domain refusal is an answer too, and is replayed as such."""
    try:
        return await handler()
    except DomainError as refused:
        exc = api_error_of(refused)
    except ApiError as refused:
        exc = refused
    return exc.status, error_body(exc.type, exc.message, exc.field)
