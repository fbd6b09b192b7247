"""A new card from the portal: sent to billing as the customer, and kind copy for every answer."""

from __future__ import annotations

import json

import httpx
import pytest

from pause.adapters.billing_client import BillingClient
from pause.entrypoints.web.billing_cards import UNREACHABLE, BillingCards
from pause.entrypoints.web.billing_invoices import BillingInvoices

TOKEN = "portal-token-of-cus_1"


def billing_answering(status: int, body: object = None) -> tuple[BillingCards, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body or {})

    client = BillingClient("http://billing.test/", transport=httpx.MockTransport(answer))
    return BillingCards(client), seen


async def test_a_card_billing_takes_is_sent_as_the_customer_and_shows_no_problem() -> None:
    cards, seen = billing_answering(201, {"id": "pm_1"})

    assert await cards.add_card("cus_1", TOKEN, "pm_card_visa") is None
    (request,) = seen
    assert str(request.url) == "http://billing.test/v1/customers/cus_1/payment-methods"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {"payment_method": "pm_card_visa"}


@pytest.mark.parametrize(
    ("status", "copy"),
    [
        (402, "Your bank declined that card. Please try another one."),
        (401, "Your session has expired. Please open a new portal link."),
        (422, "That does not look like a card we can use. Please check it and try again."),
        (500, "Something went wrong while saving your card. Please try again."),
    ],
)
async def test_a_card_billing_refuses_tells_the_customer_what_to_do(status: int, copy: str) -> None:
    cards, _ = billing_answering(status, {"error": {"type": "x"}})

    assert await cards.add_card("cus_1", TOKEN, "pm_card_chargeDeclined") == copy


async def test_billing_being_down_asks_the_customer_to_try_again_in_a_minute() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    cards = BillingCards(BillingClient("http://billing.test", transport=httpx.MockTransport(down)))

    assert await cards.add_card("cus_1", TOKEN, "pm_card_visa") == UNREACHABLE
    assert await cards.start_card_setup("cus_1", TOKEN) == (None, UNREACHABLE)


async def test_a_card_setup_hands_stripe_js_the_client_secret_billing_made() -> None:
    cards, seen = billing_answering(201, {"client_secret": "seti_1_secret_x"})

    assert await cards.start_card_setup("cus_1", TOKEN) == ("seti_1_secret_x", None)
    assert seen[0].url.path == "/v1/customers/cus_1/card-setups"
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_card_setup_billing_cannot_make_says_so_without_a_secret() -> None:
    cards, _ = billing_answering(409, {"error": {"type": "conflict"}})

    assert await cards.start_card_setup("cus_1", TOKEN) == (
        None,
        "We cannot take a new card right now. Please try again later.",
    )


async def test_a_language_chosen_in_the_portal_goes_to_billing_as_the_customer() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "cus_1", "locale": "fr"})

    invoices = BillingInvoices(BillingClient("http://billing.test", transport=httpx.MockTransport(answer)))

    assert await invoices.change_locale("cus_1", TOKEN, "fr") is True
    (request,) = seen
    assert (request.method, str(request.url)) == ("PATCH", "http://billing.test/v1/customers/cus_1")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {"locale": "fr"}


async def test_the_customers_invoices_are_read_as_the_customer_and_an_unknown_one_is_missing() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/invoices":
            return httpx.Response(200, json={"data": [], "next_cursor": None})
        return httpx.Response(404, json={"error": {"type": "not_found"}})

    invoices = BillingInvoices(BillingClient("http://billing.test", transport=httpx.MockTransport(answer)))

    assert (await invoices.of_customer("cus_1", TOKEN)).invoices == []
    missing = await invoices.one("in_someone/../else", TOKEN)
    assert missing.missing is True
    assert missing.problem is None


@pytest.mark.parametrize(
    ("status", "copy"),
    [
        (401, "Your session has expired. Please open a new portal link."),
        (503, "We could not reach our billing system. Please try again in a minute."),
    ],
)
async def test_invoices_billing_will_not_give_say_why(status: int, copy: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"type": "x"}})

    invoices = BillingInvoices(BillingClient("http://billing.test", transport=httpx.MockTransport(answer)))

    assert (await invoices.of_customer("cus_1", TOKEN)).problem == copy
    assert (await invoices.one("in_1", TOKEN)).problem == copy
