"""Timeouts between the Stripe adapter and Stripe: retried with the same key, charged once.

A loopback proxy in front of localstripe fails chosen requests for real. It either
forwards a request and never answers (localstripe charged; we never hear), or never
forwards it (nothing happened). Both look the same to the client: a read timeout.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from billing.adapters.gateways.port import ChargeRequest, GatewayUnavailable
from billing.adapters.gateways.stripe import StripeGateway
from shared.money import Money

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
Records = Callable[[str], Awaitable[list[dict[str, Any]]]]
LOSE_ANSWER, NEVER_ARRIVE = "lose the answer", "never arrive"
CREATE_INTENT = "POST /v1/payment_intents "


class LossyProxy:
    """HTTP/1.1 proxy that fails the next requests starting with CREATE_INTENT, per `plan`."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.plan: list[str] = []
        self.requests: list[str] = []  # request lines in arrival order
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                body = await reader.readexactly(_content_length(head))
                line = head.split(b"\r\n", 1)[0].decode()
                self.requests.append(line)
                fate = self.plan.pop(0) if self.plan and line.startswith(CREATE_INTENT) else None
                answer = b"" if fate == NEVER_ARRIVE else await self._forward(head, body)
                if fate is not None:
                    await asyncio.wait_for(reader.read(), timeout=10)  # until the client gives up
                    return
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            return
        finally:
            writer.close()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(b"connection:")]
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        upstream_writer.write(b"\r\n".join([*lines, b"Connection: close", b"", b""]) + body)
        answer = await upstream_reader.read()  # until localstripe closes
        upstream_writer.close()
        return answer


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.fixture
async def proxy(localstripe_url: str) -> AsyncIterator[LossyProxy]:
    lossy = LossyProxy(int(localstripe_url.rsplit(":", 1)[1]))
    await lossy.start()
    yield lossy
    await lossy.stop()


@pytest.fixture
async def gateway(proxy: LossyProxy) -> AsyncIterator[StripeGateway]:
    through_proxy = StripeGateway(
        "sk_test_lossy", proxy.url, max_network_retries=2, timeout_seconds=0.5, retry_backoff_seconds=0.05
    )
    yield through_proxy
    await through_proxy.aclose()


async def visa_charge(gateway: StripeGateway) -> ChargeRequest:
    customer_id = f"cus-{uuid.uuid4().hex[:12]}"
    customer = await gateway.register_customer(customer_id, f"{customer_id}@example.com", "Ada")
    card = await gateway.attach_payment_method(customer, "pm_card_visa")
    key = f"attempt-{uuid.uuid4().hex}"
    return ChargeRequest(
        key, customer, card.gateway_payment_method, Money(amount=990, currency="EUR"), "x", {}
    )


async def test_a_charge_whose_answer_was_lost_is_found_on_retry_and_not_charged_again(
    gateway: StripeGateway, proxy: LossyProxy, localstripe_charges: Records
) -> None:
    request = await visa_charge(gateway)
    proxy.plan = [LOSE_ANSWER]

    result = await gateway.charge(request)

    [charge] = await localstripe_charges(request.gateway_customer)
    assert result.succeeded
    assert result.gateway_reference == charge["payment_intent"]
    assert sum(line.startswith(CREATE_INTENT) for line in proxy.requests) == 1


async def test_a_charge_that_never_reached_stripe_is_sent_again_with_the_same_key_and_charged_once(
    gateway: StripeGateway, proxy: LossyProxy, localstripe_charges: Records
) -> None:
    request = await visa_charge(gateway)
    proxy.plan = [NEVER_ARRIVE]

    result = await gateway.charge(request)

    [charge] = await localstripe_charges(request.gateway_customer)
    assert result.succeeded
    assert charge["payment_intent"] == result.gateway_reference
    assert sum(line.startswith(CREATE_INTENT) for line in proxy.requests) == 2


async def test_no_answer_after_every_retry_is_gateway_unavailable_and_a_later_call_charges_once(
    gateway: StripeGateway, proxy: LossyProxy, localstripe_charges: Records
) -> None:
    request = await visa_charge(gateway)
    proxy.plan = [NEVER_ARRIVE] * 3

    with pytest.raises(GatewayUnavailable):
        await gateway.charge(request)
    assert await localstripe_charges(request.gateway_customer) == []

    later = await gateway.charge(request)

    assert later.succeeded
    assert len(await localstripe_charges(request.gateway_customer)) == 1


async def test_a_stripe_nobody_listens_on_is_gateway_unavailable() -> None:
    nowhere = StripeGateway(
        "sk_test_x", "http://127.0.0.1:9", max_network_retries=1, retry_backoff_seconds=0.01
    )

    with pytest.raises(GatewayUnavailable, match="register_customer"):
        await nowhere.register_customer("cus-1", "a@example.com", "Ada")
    await nowhere.aclose()
