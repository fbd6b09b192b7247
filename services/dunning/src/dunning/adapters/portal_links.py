"""Portal sessions for recovery links, asked of billing.

Only billing can mint portal sessions (it alone holds the signing key). A dunning
message carries a recovery token of dunning's own (`dunning.service_layer.recovery`);
when the customer opens it, dunning asks billing here for an ordinary portal session
limited to the recovery scope of that case.
"""

from __future__ import annotations

import logging
from datetime import datetime

import httpx

from dunning.service_layer.recovery import RecoveryUnavailable

log = logging.getLogger(__name__)


class BillingRecoverySessions:
    def __init__(self, billing_url: str, admin_key: str) -> None:
        self.billing_url = billing_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {admin_key}"}
        # Built once: loading the trust store costs ~20 ms of CPU per client.
        self._tls = httpx.create_ssl_context()

    async def recovery_session(self, customer_id: str, case_id: str) -> tuple[str, datetime]:
        """One try: the customer is waiting on the page, and may simply open it again."""
        try:
            async with httpx.AsyncClient(timeout=10, verify=self._tls) as client:
                answer = await client.post(
                    f"{self.billing_url}/v1/portal-sessions",
                    json={"customer_id": customer_id, "recovery_case_id": case_id},
                    headers=self.headers,
                )
            answer.raise_for_status()
            body = answer.json()
            return str(body["token"]), datetime.fromisoformat(body["expires_at"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("no recovery session from billing", extra={"error": type(exc).__name__})
            raise RecoveryUnavailable("billing gave no portal session") from None
