"""Pause's figures for finance's dashboard, asked of pause's own API.

Dunning may not read pause's tables, so it asks `GET /v1/pause/report` with the finance
key the dashboard was opened with. The dashboard must still show dunning's numbers when
pause is down or slow, so every failure reads as "no figures" rather than an error.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.http.report_period import END_OF_TIME, ReportPeriod


class PauseClient:
    def __init__(self, pause_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.pause_url = pause_url.rstrip("/")
        self._transport = transport

    async def report(self, finance_key: str, period: ReportPeriod) -> dict[str, Any] | None:
        """The report as pause's JSON, or None. A period without an end is asked without
        `to`, so pause reports up to its own now rather than into the far future."""
        params = {"from": period.start.isoformat()}
        if period.end != END_OF_TIME:
            params["to"] = period.end.isoformat()
        try:
            async with httpx.AsyncClient(timeout=5, transport=self._transport) as client:
                answer = await client.get(
                    f"{self.pause_url}/v1/pause/report",
                    params=params,
                    headers={"Authorization": f"Bearer {finance_key}"},
                )
            return answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
