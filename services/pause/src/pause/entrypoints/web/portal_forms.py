"""The cancel flow and the card form: pages that ask the customer for something."""

from __future__ import annotations

from pause.entrypoints.web.page import N_, esc, t
from pause.entrypoints.web.portal_pages import options
from pause.service_layer.messages import PauseOptions

REASONS = (
    N_("It costs too much right now"),
    N_("I am not using it enough"),
    N_("I am going away for a while"),
    N_("I found something else"),
    N_("Something else"),
)


def cancel_reason(subscription_id: str) -> str:
    choices = "".join(
        '<label class="choice"><input type="radio" name="reason" '
        f'value="{esc(r)}"{" checked" if i == 0 else ""}>'
        f"<span>{t(r)}</span></label>"
        for i, r in enumerate(REASONS)
    )
    return (
        f'<form method="post" action="/portal/subscriptions/{esc(subscription_id)}/cancel" class="card">'
        f"<fieldset><legend><h2>{t('May we ask why?')}</h2></legend>"
        f'<p class="muted">{t("Your answer helps us do better. Nothing is canceled yet.")}</p>'
        f"{choices}</fieldset>"
        f'<label for="details">{t("Anything else you would like to tell us? (optional)")}</label>'
        '<textarea id="details" name="details" rows="3" maxlength="400"></textarea>'
        f'<div class="actions"><button type="submit">{t("Continue")}</button>'
        f'<a href="/portal">{t("Keep my subscription")}</a></div>'
        "</form>"
    )


def cancel_offer(intent_id: str, offer: PauseOptions) -> str:
    review = f"/portal/subscriptions/{offer.subscription_id}/pause/review"
    offered = options(offer, review, N_("Take a break instead?"))
    pause = f'<section class="card">{offered}</section>' if offer.eligible else ""
    return (
        pause + f'<section class="card"><h2>{t("Still want to leave?")}</h2>'
        f'<p class="muted">{t("Your subscription ends now and you will not be charged again.")}</p>'
        f'<form method="post" action="/portal/cancel-intents/{esc(intent_id)}/confirm">'
        f'<button type="submit" class="danger">{t("Cancel my subscription")}</button></form></section>'
    )


def card_form() -> str:
    return (
        '<form method="post" action="/portal/card" class="card">'
        f'<label for="payment_method">{t("Card (payment method id from the payment form)")}</label>'
        '<input type="text" id="payment_method" name="payment_method" required minlength="3" maxlength="100" '
        'autocomplete="off" placeholder="pm_card_visa" aria-describedby="pm-help">'
        f'<p id="pm-help" class="muted">{t("In test mode use a Stripe test id such as pm_card_visa.")}</p>'
        f'<div class="actions"><button type="submit">{t("Save card")}</button>'
        f'<a href="/portal">{t("Back")}</a></div></form>'
    )
