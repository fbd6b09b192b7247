"""Whether the broker answers at all, asked once before a service starts.

Without it, a service pointed at no broker starts its HTTP server, then dies inside
aiokafka's start-up with a long traceback that never says which variable to fix. The
operator should get one line naming `KAFKA_BOOTSTRAP_SERVERS` and a non-zero exit, as
for any other broken setting.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

VARIABLE = "KAFKA_BOOTSTRAP_SERVERS"
WAIT_SECONDS = 5.0
"""How long a start waits for a broker that may be starting beside it (a compose file
or a pod starting both): long enough for that, short enough to say so at once."""


async def broker_answers(bootstrap_servers: str, wait_seconds: float = WAIT_SECONDS) -> bool:
    """True once any of the servers answers a metadata request within `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    chatter = logging.getLogger("aiokafka")
    was_disabled, chatter.disabled = chatter.disabled, True  # its one error line per attempt
    try:
        while True:
            client = AIOKafkaClient(bootstrap_servers=bootstrap_servers.split(","), request_timeout_ms=2000)
            try:
                await asyncio.wait_for(client.bootstrap(), timeout=max(0.1, deadline - time.monotonic()))
                return True
            except (KafkaError, OSError, TimeoutError):
                if time.monotonic() + 0.5 > deadline:
                    return False
            finally:
                await client.close()
            await asyncio.sleep(0.5)
    finally:
        chatter.disabled = was_disabled


def ensure_broker_reachable(bootstrap_servers: str, wait_seconds: float = WAIT_SECONDS) -> None:
    """Exit with status 2 and one line naming the variable if no broker answers."""
    if not asyncio.run(broker_answers(bootstrap_servers, wait_seconds)):
        print(
            f"{VARIABLE}: no Kafka broker answered at {bootstrap_servers} within {wait_seconds:g} s; "
            f"start one there or point {VARIABLE} at yours",
            file=sys.stderr,
        )
        raise SystemExit(2)
