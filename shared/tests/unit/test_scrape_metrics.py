"""Labels from input stay bounded, and gauges read at scrape time never hold a scrape up."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY, Gauge

from shared.http.probes import probes_router
from shared.http.scrape import ScrapeReadings
from shared.metrics import LabelValues

READ_AT_SCRAPE = Gauge("test_read_at_scrape", "A gauge a test sets when /metrics is read.")


def unknown_counted(metric: str, label: str) -> float:
    labels = {"metric": metric, "label": label}
    return REGISTRY.get_sample_value("metric_label_values_unknown_total", labels) or 0.0


def test_an_unknown_value_becomes_unknown_is_counted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    colours = LabelValues("paint_total", "colour", ["red", "blue"], remember=2)
    before = unknown_counted("paint_total", "colour")

    with caplog.at_level(logging.WARNING):
        answers = [colours(v) for v in ["red", "mauve", "mauve", None, "teal", "ochre", "blue"]]

    assert answers == ["red", "unknown", "unknown", "unknown", "unknown", "unknown", "blue"]
    assert unknown_counted("paint_total", "colour") == before + 5
    logged = [r.__dict__["value"] for r in caplog.records if r.__dict__.get("metric") == "paint_total"]
    assert logged == ["mauve", ""], "each value once, and no more than `remember` of them"


async def test_metrics_refresh_its_readings_and_a_slow_or_broken_one_does_not_hold_the_scrape() -> None:
    calls = 0

    async def count() -> None:
        nonlocal calls
        calls += 1
        READ_AT_SCRAPE.set(calls)

    async def stuck() -> None:
        await asyncio.sleep(60)

    async def broken() -> None:
        raise ConnectionError("broker down")

    readings = ScrapeReadings({"count": count, "stuck": stuck, "broken": broken}, max_age=60, timeout=0.05)
    app = FastAPI()
    app.include_router(probes_router({}, readings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await asyncio.wait_for(http.get("/metrics"), timeout=5)
        second = await http.get("/metrics")

    assert first.status_code == 200
    assert "test_read_at_scrape 1.0" in first.text
    assert calls == 1, "a second scrape within max_age reuses what was read"
    assert "test_read_at_scrape 1.0" in second.text
