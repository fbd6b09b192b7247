"""The cancel flow and the card form: pages that ask the customer for something."""

from __future__ import annotations

from pause.entrypoints.web.page import esc
from pause.entrypoints.web.portal_pages import options
from pause.service_layer.messages import PauseOptions

REASONS = (
    "It costs too much right now",
    "I am not using it enough",
    "I am going away for a while",
    "I found something else",
    "Something else",
)


def cancel_reason(subscription_id: str) -> str:
    choices = "".join(
        '<label class="choice"><input type="radio" name="reason" '
        f'value="{esc(r)}"{" checked" if i == 0 else ""}>'
        f"<span>{esc(r)}</span></label>"
        for i, r in enumerate(REASONS)
    )
    return (
        f'<form method="post" action="/portal/subscriptions/{esc(subscription_id)}/cancel" class="card">'
        "<fieldset><legend><h2>May we ask why?</h2></legend>"
        f'<p class="muted">Your answer helps us do better. Nothing is canceled yet.</p>{choices}</fieldset>'
        '<label for="details">Anything else you would like to tell us? (optional)</label>'
        '<textarea id="details" name="details" rows="3" maxlength="400"></textarea>'
        '<div class="actions"><button type="submit">Continue</button><a href="/portal">Keep my '
        "subscription</a></div>"
        "</form>"
    )


def cancel_offer(intent_id: str, offer: PauseOptions) -> str:
    review = f"/portal/subscriptions/{offer.subscription_id}/pause/review"
    offered = options(offer, review, "Take a break instead?")
    pause = f'<section class="card">{offered}</section>' if offer.eligible else ""
    return (
        pause + '<section class="card"><h2>Still want to leave?</h2>'
        '<p class="muted">Your subscription ends now and you will not be charged again.</p>'
        f'<form method="post" action="/portal/cancel-intents/{esc(intent_id)}/confirm">'
        '<button type="submit" class="danger">Cancel my subscription</button></form></section>'
    )


def card_form() -> str:
    return (
        '<form method="post" action="/portal/card" class="card">'
        '<label for="payment_method">Card (payment method id from the payment form)</label>'
        '<input type="text" id="payment_method" name="payment_method" required minlength="3" maxlength="100" '
        'autocomplete="off" placeholder="pm_card_visa" aria-describedby="pm-help">'
        '<p id="pm-help" class="muted">In test mode use a Stripe test id such as pm_card_visa.</p>'
        '<div class="actions"><button type="submit">Save card</button><a href="/portal">Back</a></div></form>'
    )
