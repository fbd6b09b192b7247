"""The services' HTTP APIs as the simulator uses them: admin, finance and portal calls.

URLs and keys come from the same variables the services read, so a `make run` stack
with `CLOCK=test` works with no flags.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx


class StackUnavailable(RuntimeError):
    """The stack cannot be driven: not running, or not on the test clock."""


class StackClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        env = os.environ.get
        self.http = client
        self.billing = env("BILLING_URL", "http://127.0.0.1:8001").rstrip("/")
        self.dunning = env("DUNNING_URL", "http://127.0.0.1:8002").rstrip("/")
        self.pause = env("PAUSE_URL", "http://127.0.0.1:8003").rstrip("/")
        self.admin = {"Authorization": f"Bearer {env('ADMIN_API_KEY', 'dev-admin-key')}"}
        self.finance = {"Authorization": f"Bearer {env('FINANCE_API_KEY', 'dev-finance-key')}"}
        self.portal_fallbacks = 0

    async def _call(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> Any:
        answer = await self.http.request(method, url, json=body, headers=headers)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {url} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    async def admin_post(self, path: str, body: Any = None) -> Any:
        return await self._call("POST", f"{self.billing}{path}", self.admin, body)

    async def admin_get(self, path: str) -> Any:
        return await self._call("GET", f"{self.billing}{path}", self.admin)

    async def admin_delete(self, path: str) -> None:
        answer = await self.http.request("DELETE", f"{self.billing}{path}", headers=self.admin)
        if answer.status_code >= 400:
            raise RuntimeError(f"DELETE {path} answered {answer.status_code}: {answer.text[:300]}")

    async def clock(self, wait: float = 0) -> dict[str, str]:
        try:
            answer = await self.http.get(
                f"{self.billing}/v1/test-clock", params={"wait": wait} if wait else None, headers=self.admin
            )
        except httpx.TransportError as error:
            raise StackUnavailable(
                f"billing is not reachable at {self.billing} ({error}); run `make run`"
            ) from error
        if answer.status_code == 404:
            raise StackUnavailable(
                "GET /v1/test-clock answered 404: the services must run with CLOCK=test "
                "(for example `CLOCK=test make run`)"
            )
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]

    async def advance_one_day(self, timeout: float = 300) -> datetime:
        """Move the shared clock a day and wait until every service has finished what came due.

        The clock holds each answer until it is ready (`?wait=`), so no time is lost
        between polls: a year is 365 of these.
        """
        await self.admin_post("/v1/test-clock/advance", {"seconds": 86_400})
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            state = await self.clock(wait=10)
            if state["status"] == "ready":
                return datetime.fromisoformat(state["now"])
            if state["status"] != "advancing":
                raise RuntimeError(f"the test clock stopped: {state['status']}: {state.get('error')}")
        raise RuntimeError(f"the test clock stayed 'advancing' for {timeout:.0f}s")

    async def portal(self, customer_id: str) -> dict[str, str]:
        session = await self.admin_post("/v1/portal-sessions", {"customer_id": customer_id})
        return {"Authorization": f"Bearer {session['token']}"}

    async def pause_call(self, method: str, path: str, token: dict[str, str], body: Any = None) -> Any:
        """As the customer; if pause refuses billing's portal token (seen under the test clock,
        where the token's expiry and the verifier's clock disagree), as the admin, and say so."""
        try:
            return await self._call(method, f"{self.pause}{path}", token, body)
        except RuntimeError as error:
            if " 401:" not in str(error):
                raise
            self.portal_fallbacks += 1
            return await self._call(method, f"{self.pause}{path}", self.admin, body)

    async def dunning_report(self, start: datetime, end: datetime) -> dict[str, Any]:
        """Cases opened in [start, end), by variant."""
        window = {"from": start.isoformat(), "to": end.isoformat(), "group_by": "variant"}
        url = f"{self.dunning}/v1/dunning/report?{urlencode(window)}"
        return await self._call("GET", url, self.finance)  # type: ignore[no-any-return]

    async def pause_report(self) -> dict[str, Any]:
        return await self._call("GET", f"{self.pause}/v1/pause/report", self.finance)  # type: ignore[no-any-return]
