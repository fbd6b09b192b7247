"""`/healthz`, `/readyz` and `/metrics`, the same on every service.

Liveness says only that the process answers. Readiness checks what the service cannot
work without: its database (at the schema its code expects) and the broker. A load
balancer sends traffic only to ready replicas.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.scrape import ScrapeReadings
from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS, READINESS

ReadinessCheck = Callable[[], Awaitable[None]]


class Degraded(Exception):
    """Up, but not yet doing its whole job (the relay is republishing what the broker lost)."""


class NotReady(Exception):
    """Down for a reason worth telling the operator (a schema behind the code), unlike a
    driver's exception, whose name is all `/readyz` shows of it."""


async def check_readiness(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Each check's answer ("ok", "degraded: …", "unavailable: …"), also set as the
    `readiness_check_ok` gauge, so an alert sees what the load balancer sees."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), timeout=3)
            results[name] = "ok"
        except Degraded as exc:
            results[name] = f"degraded: {exc}"
        except NotReady as exc:
            results[name] = f"unavailable: {exc}"
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
        READINESS.labels(name).set(1 if results[name] == "ok" else 0)
    return results


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(description="`ready` (200) or `not_ready` (503).", examples=["ready"])
    checks: dict[str, str] = Field(
        description='Each check\'s answer: "ok", "degraded: …" or "unavailable: …".',
        examples=[{"database": "ok", "broker": "ok"}],
    )


METRICS_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Prometheus text exposition format.",
        "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
    }
}
READINESS_RESPONSES: dict[int | str, dict[str, object]] = {
    503: {"model": Readiness, "description": "A check failed; the body says which."}
}


def probes_router(checks: Mapping[str, ReadinessCheck], readings: ScrapeReadings | None = None) -> APIRouter:
    """`readings` are refreshed before each `/metrics` answer (at most every few seconds)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> Liveness:
        return Liveness(status="ok")

    @router.get("/readyz", response_model=Readiness, responses=READINESS_RESPONSES)
    async def readyz() -> JSONResponse:
        results = await check_readiness(checks)
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", response_class=Response, responses=METRICS_RESPONSES)
    async def metrics() -> Response:
        if readings is not None:
            await readings.refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_request_metrics(app: FastAPI) -> None:
    """Count requests by route template (not raw path, which would explode cardinality)."""
    app.add_middleware(RequestMetrics)


class RequestMetrics:
    """Plain ASGI, not `@app.middleware`: that kind wraps every request in extra tasks
    and streams, a few milliseconds each, and the test clock asks several times a step.

    The route template is read after the request, from the scope the router filled in.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
