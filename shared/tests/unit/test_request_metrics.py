"""Requests are counted by route template and status, as operators read them on /metrics."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, HTTPException

from shared.http.probes import install_request_metrics
from shared.metrics import HTTP_REQUESTS


def counted(method: str, route: str, status: str) -> float:
    count: float = HTTP_REQUESTS.labels(method, route, status)._value.get()
    return count


async def test_requests_are_counted_by_their_route_template_and_status() -> None:
    app = FastAPI()

    @app.get("/v1/widgets/{widget_id}")
    async def widget(widget_id: str) -> dict[str, str]:
        if widget_id == "missing":
            raise HTTPException(404)
        return {"id": widget_id}

    install_request_metrics(app)
    before = (
        counted("GET", "/v1/widgets/{widget_id}", "200"),
        counted("GET", "/v1/widgets/{widget_id}", "404"),
        counted("GET", "unmatched", "404"),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/v1/widgets/a")).status_code == 200
        assert (await http.get("/v1/widgets/b")).status_code == 200
        assert (await http.get("/v1/widgets/missing")).status_code == 404
        assert (await http.get("/nowhere")).status_code == 404

    after = (
        counted("GET", "/v1/widgets/{widget_id}", "200"),
        counted("GET", "/v1/widgets/{widget_id}", "404"),
        counted("GET", "unmatched", "404"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 1]
