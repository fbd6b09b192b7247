"""Billing on the simulated gateway never loads the Stripe SDK.

The SDK and what it brings are about 5 MB of a service whose idle budget is 120 MB, and
a merchant trying the system locally runs the simulated gateway. The Stripe webhook
route stays served either way; it needs only the payload readers. Each look runs in a
fresh interpreter: this test process loaded the SDK long ago.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LOOK = """
import sys
from billing.bootstrap import bootstrap
from billing.settings import BillingSettings
from shared.testing.services import settings_for

key = {"STRIPE_API_KEY": "sk_test_only_constructed"} if sys.argv[2] == "stripe" else {}
settings = settings_for(BillingSettings, BILLING_DATABASE_URL=sys.argv[1], PAYMENT_GATEWAY=sys.argv[2], **key)
bootstrap(settings).app()
print("stripe" in sys.modules)
"""


def _loads_stripe(tmp_path: Path, gateway: str) -> bool:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    found = subprocess.run(
        [sys.executable, "-c", LOOK, url, gateway], capture_output=True, text=True, check=True
    )
    return found.stdout.strip().splitlines()[-1] == "True"


def test_the_simulated_gateway_serves_billing_without_the_stripe_sdk(tmp_path: Path) -> None:
    assert _loads_stripe(tmp_path, "simulated") is False


def test_the_stripe_gateway_still_loads_it(tmp_path: Path) -> None:
    assert _loads_stripe(tmp_path, "stripe") is True
