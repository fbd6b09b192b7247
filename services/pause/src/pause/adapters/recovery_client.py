"""Dunning's recovery sessions: what the portal gets for the token in a recovery link.

Dunning issued the token and knows its case; it asks billing for the portal session.
Pause calls with the admin key, so a token on its own reaches no API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import httpx

Standing = Literal["session", "settled", "expired", "unavailable"]


@dataclass(frozen=True)
class RecoveryAnswer:
    standing: Standing
    session_token: str | None = field(default=None, repr=False)


class DunningRecoveryClient:
    def __init__(
        self, dunning_url: str, admin_key: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.dunning_url, self._transport = dunning_url.rstrip("/"), transport
        self.headers = {"Authorization": f"Bearer {admin_key}"}

    async def open(self, token: str) -> RecoveryAnswer:
        try:
            async with httpx.AsyncClient(timeout=15, transport=self._transport) as client:
                answer = await client.post(
                    f"{self.dunning_url}/v1/dunning/recovery-sessions",
                    json={"token": token},
                    headers=self.headers,
                )
        except httpx.HTTPError:
            return RecoveryAnswer("unavailable")
        if answer.status_code == 201:
            return RecoveryAnswer("session", str(answer.json()["token"]))
        if answer.status_code == 409:
            return RecoveryAnswer("settled")
        if answer.status_code in (404, 422):
            return RecoveryAnswer("expired")
        return RecoveryAnswer("unavailable")
