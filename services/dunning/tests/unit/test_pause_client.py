"""The dashboard's pause figures: asked of pause's API, and absent rather than an error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from dunning.adapters.pause_client import PauseClient
from shared.http.report_period import END_OF_TIME, ReportPeriod

MARCH = ReportPeriod(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
FIGURES = {"pauses_started": 3, "fees_collected": [{"amount": 300, "currency": "USD"}]}


def pause_answering(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[PauseClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return PauseClient("http://pause.test/", transport=httpx.MockTransport(record)), seen


async def test_the_figures_are_pauses_report_for_the_period_asked_with_the_finance_key() -> None:
    client, seen = pause_answering(lambda _: httpx.Response(200, json=FIGURES))

    assert await client.report("finance-key-123", MARCH) == FIGURES
    (request,) = seen
    assert request.url.path == "/v1/pause/report"
    assert dict(request.url.params) == {
        "from": "2026-03-01T00:00:00+00:00",
        "to": "2026-04-01T00:00:00+00:00",
    }
    assert request.headers["Authorization"] == "Bearer finance-key-123"


async def test_a_period_without_an_end_asks_pause_for_its_figures_up_to_now() -> None:
    client, seen = pause_answering(lambda _: httpx.Response(200, json=FIGURES))

    await client.report("finance-key-123", ReportPeriod(MARCH.start, END_OF_TIME))

    assert dict(seen[0].url.params) == {"from": "2026-03-01T00:00:00+00:00"}


async def test_a_refusal_or_a_garbled_answer_means_no_figures() -> None:
    refused, garbled = httpx.Response(403, json={"error": {}}), httpx.Response(200, text="<html>")

    for answer in (refused, garbled):

        def answering(_: httpx.Request, answer: httpx.Response = answer) -> httpx.Response:
            return answer

        client, _ = pause_answering(answering)
        assert await client.report("finance-key-123", MARCH) is None


async def test_pause_being_down_means_no_figures_not_an_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, _ = pause_answering(down)

    assert await client.report("finance-key-123", MARCH) is None
