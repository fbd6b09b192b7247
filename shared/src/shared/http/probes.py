"""`/healthz`, `/readyz` and `/metrics`, the same on every service.

Liveness says only that the process answers. Readiness checks what the service cannot
work without: its database and the broker. A load balancer sends traffic only to
ready replicas.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import Match

from shared.metrics import HTTP_LATENCY, HTTP_REQUESTS

ReadinessCheck = Callable[[], Awaitable[None]]


def probes_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), timeout=3)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_request_metrics(app: FastAPI) -> None:
    """Count requests by route template (not raw path, which would explode cardinality)."""

    @app.middleware("http")
    async def _count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        route = "unmatched"
        for candidate in app.router.routes:
            match, _ = candidate.matches(request.scope)
            if match == Match.FULL:
                route = getattr(candidate, "path", "unmatched")
                break
        started = time.perf_counter()
        response = await call_next(request)
        HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response
