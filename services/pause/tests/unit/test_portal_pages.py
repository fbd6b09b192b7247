"""The portal's pages: every refusal has a way forward, cards about to lapse are said,
invoices and receipts read in the customer's language."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import get_args

import pytest

from pause.domain.card_on_file import CardOnFile
from pause.domain.eligibility import Eligibility, Reason
from pause.domain.pause import BeachPause
from pause.domain.policy import PausePolicy
from pause.domain.subscription_view import SubscriptionView
from pause.entrypoints.web import portal_forms as forms
from pause.entrypoints.web import portal_pages as pages
from pause.entrypoints.web.billing_invoices import InvoiceLine, PortalInvoice
from pause.entrypoints.web.page import CUSTOMER_LOCALE, N_, page
from pause.entrypoints.web.portal import DONE
from pause.entrypoints.web.portal_invoices import Seller, invoice_list, receipt
from pause.entrypoints.web.portal_pages import card_warning, refusal
from pause.entrypoints.web.portal_refusals import REFUSALS
from pause.entrypoints.web.portal_session import expired_page, refusal_copy
from pause.service_layer.messages import DurationOption, PauseOptions, PortalSummary
from pause.service_layer.pausing import NotEligible
from shared.i18n.locales import SHIPPED_LANGUAGES
from shared.money import Money

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def in_language(locale: str, render: Callable[[], str]) -> str:
    def run() -> str:
        CUSTOMER_LOCALE.set(locale)
        return render()

    return contextvars.copy_context().run(run)


def refused(reason: str) -> PauseOptions:
    return PauseOptions(
        subscription_id="sub_1",
        eligible=False,
        reason=reason,
        message=None,
        fee_per_month=Money.of(100, "EUR"),
        regular_price=Money.of(1500, "EUR"),
        durations=[],
        refused_until=NOW,
    )


@pytest.mark.parametrize("locale", SHIPPED_LANGUAGES)
@pytest.mark.parametrize("reason", get_args(Reason))
def test_every_refusal_says_why_and_offers_a_way_forward(reason: str, locale: str) -> None:
    html = in_language(locale, lambda: refusal(refused(reason)))
    assert reason in REFUSALS
    assert 'role="alert"' in html
    assert "/portal" in links(html)
    assert "%(" not in html


def test_an_open_payment_offers_the_card_update_first() -> None:
    html = in_language("en", lambda: refusal(refused("open_dunning_case")))
    assert "take a break while a payment is open." in html
    assert links(html)[0] == "/portal/card"


def test_a_break_refused_until_a_date_names_it_in_the_customers_language() -> None:
    html = in_language("fr", lambda: refusal(refused("too_many_pauses")))
    assert "10 mars 2027" in html


@pytest.mark.parametrize(
    ("month", "year", "warned"),
    [(2, 2027, "has expired"), (3, 2027, "expires this month"), (4, 2027, None), (12, 2026, "has expired")],
)
def test_a_card_that_has_expired_or_expires_this_month_is_said_with_a_link_to_replace_it(
    month: int, year: int, warned: str | None
) -> None:
    html = in_language("en", lambda: card_warning(CardOnFile("visa", "4242", month, year), NOW))
    if warned is None:
        assert html == ""
    else:
        assert warned in html
        assert links(html) == ["/portal/card"]


def invoice(status: str = "paid", total: int = 1500) -> PortalInvoice:
    start, end = datetime(2027, 2, 10, tzinfo=UTC), datetime(2027, 3, 10, tzinfo=UTC)
    return PortalInvoice(
        id="in_1",
        number="2027-000042",
        status=status,
        context="subscription",
        total=Money.of(total, "EUR"),
        created_at=start,
        paid_at=start if status == "paid" else None,
        period_start=start,
        period_end=end,
        lines=[InvoiceLine("Pro Plage", Money.of(total, "EUR"), start, end)],
        card="Visa •••• 4242" if status == "paid" else None,
    )


def test_the_invoice_list_links_each_receipt_with_amount_status_and_card() -> None:
    html = in_language("fr", lambda: invoice_list([invoice()], None))
    assert "/portal/invoices/in_1" in links(html)
    assert "15,00\u00a0€" in html
    assert "Payée" in html
    assert "Visa •••• 4242" in html


def test_a_receipt_names_the_seller_the_lines_the_total_and_the_payment() -> None:
    seller = Seller("Plage et Fils SARL", ["12 quai des Dunes", "33000 Bordeaux"])
    html = in_language("en", lambda: receipt(invoice(), seller, "Zoé"))
    for expected in ("Plage et Fils SARL", "33000 Bordeaux", "2027-000042", "Subscription", "€15.00", "Zoé"):
        assert expected in html
    assert "Paid on Feb 10, 2027 · with Visa •••• 4242" in html


def test_a_free_invoice_still_shows_its_currency() -> None:
    html = in_language("en", lambda: invoice_list([invoice(total=0)], None))
    assert "€0.00" in html


def test_a_refused_pause_reads_in_the_customers_language_when_the_portal_has_words_for_it() -> None:
    open_case = NotEligible(
        Eligibility(False, "open_dunning_case", "Please update your payment details first.")
    )
    dated = NotEligible(Eligibility(False, "already_paused", "You already have a break until 1 May 2027."))

    assert refusal_copy(open_case) == REFUSALS["open_dunning_case"]
    assert refusal_copy(dated) == "You already have a break until 1 May 2027."


ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
NAMES = {"Visa", "Plage", "Pro", "PDF", "Stripe"}
"""Words that are names, the same in every language."""


def visible_text(html: str) -> str:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<option[^>]*lang=[^>]*>.*?</option>", " ", html)  # each language names itself
    return re.sub(r"<[^>]+>", " ", html).replace("pm_card_visa", " ")  # a test card's id


def offer() -> PauseOptions:
    durations = [
        DurationOption(m, NOW, NOW + timedelta(days=31 * m), Money.of(100 * m, "EUR")) for m in (1, 2, 3)
    ]
    return PauseOptions("sub_1", True, None, None, Money.of(100, "EUR"), Money.of(1500, "EUR"), durations)


def home_on_the_beach() -> str:
    view = SubscriptionView(
        "sub_1",
        "cus_1",
        "pro",
        Money.of(1500, "EUR"),
        None,
        "active",
        NOW,
        NOW + timedelta(days=31),
        plan_name="Pro",
    )
    pause = BeachPause.schedule(view, 1, NOW, PausePolicy(), "portal")
    card = CardOnFile("visa", "4242", 3, 2027)
    return pages.home(PortalSummary("cus_1", None, [view], {"sub_1": pause}, card, NOW, {"sub_1": 2}))


def every_portal_page() -> list[str]:
    seller = Seller("Plage", [])
    fragments = [
        home_on_the_beach(),
        pages.options(offer(), "/portal/x", N_("How long would you like off?")),
        pages.confirm_pause(offer(), 2),
        *(pages.refusal(refused(reason)) for reason in get_args(Reason)),
        forms.cancel_reason("sub_1"),
        forms.cancel_offer("ci_1", offer()),
        forms.card_form(),
        invoice_list([invoice(), invoice("open")], None),
        invoice_list([], None),
        receipt(invoice(), seller, None),
        receipt(invoice("open"), seller, None),
    ]
    framed = [page("Your subscription", fragment) for fragment in fragments]
    framed += [page("Receipt", "", notice=notice) for notice in DONE.values()]
    return [bytes(answer.body).decode() for answer in [*framed, expired_page()]]


def test_every_portal_page_in_japanese_has_no_english_copy_left() -> None:
    """Copy that never reached the catalogue would read English in every language."""
    for html in in_language_all("ja", every_portal_page):
        leftovers = set(ENGLISH_WORD.findall(visible_text(html))) - NAMES
        assert not leftovers, leftovers


def in_language_all(locale: str, render: Callable[[], list[str]]) -> list[str]:
    def run() -> list[str]:
        CUSTOMER_LOCALE.set(locale)
        return render()

    return contextvars.copy_context().run(run)


def past_due_home(*, recovering: bool, offer_open: bool = False) -> str:
    view = SubscriptionView(
        "sub_1", "cus_1", "pro", Money.of(1500, "EUR"), None, "past_due", NOW, NOW + timedelta(days=31),
        open_dunning_case=True, dunning_offer_open=offer_open,
    )  # fmt: skip
    return pages.home(PortalSummary("cus_1", None, [view], {}, None, NOW, {}), recovering=recovering)


def test_a_recovery_link_session_is_offered_only_what_it_may_do() -> None:
    signed_in = past_due_home(recovering=False)
    recovering = past_due_home(recovering=True)
    offered = past_due_home(recovering=True, offer_open=True)

    assert "/portal/payment-date" in recovering
    assert "/cancel" in signed_in
    assert "/cancel" not in recovering
    assert "/pause" not in recovering.replace("/portal/payment-date", "")
    assert "/portal/subscriptions/sub_1/pause" in offered, "the beach offer is one it may take"
