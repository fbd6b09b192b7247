"""What a customer reads: short, friendly, always with a way to fix it in one click.

The words live in `shared/mail/templates/` and the catalogues; this module only says
which template a decision means and what facts it needs.
"""

from __future__ import annotations

from datetime import date

from shared.customers.profiles import CustomerProfile
from shared.mail.writer import MessageWriter, WrittenMessage
from shared.money import Money

CARD_EXPIRING_TEMPLATE = "dunning.card_expiring"
_REMINDER = "dunning.card_update."


def card_expiring_message(
    writer: MessageWriter, customer: CustomerProfile, card: str, expires_on: date, link: str
) -> WrittenMessage:
    return writer.write(
        CARD_EXPIRING_TEMPLATE,
        customer.locale,
        customer_name=customer.name,
        action_url=link,
        facts={"card": card, "expires_on": expires_on},
    )


def case_message(
    writer: MessageWriter,
    template_id: str,
    customer: CustomerProfile | None,
    amount: Money,
    decline_code: str,
    link: str,
) -> WrittenMessage:
    """A reminder (`dunning.card_update.<n>`), the hard-decline request or the beach offer."""
    name, reminder = template_id, 0
    if template_id.startswith(_REMINDER):
        name, number = template_id.rsplit(".", 1)
        reminder = int(number) if number.isdigit() else 1
    return writer.write(
        name,
        customer.locale if customer else None,
        customer_name=customer.name if customer else None,
        action_url=link,
        facts={"amount": amount, "expired": decline_code == "expired_card", "reminder": reminder},
    )
