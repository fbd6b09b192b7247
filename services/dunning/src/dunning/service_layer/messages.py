"""What a customer reads: short, friendly, always with a way to fix it in one click."""

from __future__ import annotations

from datetime import date

from shared.customers.profiles import CustomerProfile
from shared.money import Money

CARD_EXPIRING_TEMPLATE = "dunning.card_expiring"

_SUBJECTS = {
    CARD_EXPIRING_TEMPLATE: "Your card expires soon",
    "dunning.card_update.1": "A quick heads-up about your payment",
    "dunning.card_update.2": "Your subscription is still on — just a card update away",
    "dunning.card_update.3": "Last friendly reminder about your payment",
    "dunning.hard_decline.new_card": "Please add a new card to keep your subscription",
    "dunning.beach_offer": "Need a break? Pause instead of losing your subscription",
}


def subject_for(template_id: str) -> str:
    return _SUBJECTS.get(template_id, "About your subscription")


def card_expiring_body(customer: CustomerProfile, card: str, expires_on: date, link: str) -> str:
    return (
        f"Hi {customer.name},\n\nJust a heads-up: your {card} expires at the end of {expires_on:%B %Y}. "
        "If your bank has sent you a new one, you can add it in a minute, and nothing will interrupt "
        f"your subscription: {link}\n\n"
        "If your bank updates it for us automatically, there is nothing to do.\n"
    )


def body_for(
    template_id: str, customer: CustomerProfile | None, amount: Money, decline_code: str, link: str
) -> str:
    hello = f"Hi {customer.name}," if customer else "Hello,"
    if template_id == "dunning.beach_offer":
        return (
            f"{hello}\n\nWe still couldn't collect {amount.format()} for your subscription. If now isn't a "
            "good time, you don't have to cancel: put your subscription on the beach for one to three "
            "months for a small monthly fee. Your account, your data and your price stay just as they are, "
            f"and you come back on the date you choose.\n\nPause or update your card here: {link}\n"
        )
    if template_id == "dunning.hard_decline.new_card":
        return (
            f"{hello}\n\nYour bank declined the card we have on file, so we can't use it again. "
            f"You still have full access. Please add a new card to pay {amount.format()}: {link}\n"
        )
    why = (
        "your card on file has expired" if decline_code == "expired_card" else "the payment didn't go through"
    )
    return (
        f"{hello}\n\nWe tried to collect {amount.format()} for your subscription, but {why}. "
        "Nothing changes for you right now: you keep full access while you sort it out. "
        f"It takes a minute to update your card: {link}\n\nIf you've already done it, thank you, "
        "and please ignore this note.\n"
    )
