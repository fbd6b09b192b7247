"""A payment gateway in memory, for demos and the simulator.

It understands Stripe's test payment method ids (`pm_card_visa`,
`pm_card_chargeDeclinedExpiredCard`, ...), so the same ids work with either gateway. An
id alone decides the outcome: nothing depends on which customer a card was attached to.
So a billing restart, which forgets every attachment, does not change what a stored card
does.

Two families of ids play causes that clear on their own, for the simulator and demos:
- `pm_sim_insufficient_funds_until_<unix seconds>` is short of funds until that moment
  (a payday, say) and pays after it;
- `pm_sim_soft_declines_<n>` declines the first n charges with `card_declined` and then
  pays, like an issuer's passing refusal (`pm_sim_soft_declines_<n>_<tag>` is a fresh
  card of the same kind, for the next time).
Both decide by the clock or by the charges already made, never by who is asking, so
dunning's own retry schedule is what finds the moment they clear.

It also plays the card network's account updater. When a charge fails with
`expired_card`, the bank has usually issued a new card already. After
`card_updater_delay`, the network hands that card over, and `due_card_updates` returns
it once. This is the quiet recovery that gentle dunning waits for.

What it remembers (first outcomes by idempotency key, soft declines so far, scheduled
replacement cards) is kept in a `Ledger`: billing's own database when it runs as a
service, so a restart or a second replica answers a resent key with its first outcome.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from billing.adapters.gateways import decline_codes as codes
from billing.adapters.gateways.port import (
    CardDetails,
    CardSetupUnavailable,
    CardUpdate,
    ChargeRequest,
    ChargeResult,
    PaymentMethodRejected,
)
from billing.adapters.gateways.simulated_ledger import InMemoryLedger, Ledger, ScheduledCard
from shared.clock import Clock, SystemClock

UPDATED_CARD_PREFIX = "pm_card_visa_updated_"
SHORT_UNTIL_PREFIX = "pm_sim_insufficient_funds_until_"
SOFT_DECLINES_PREFIX = "pm_sim_soft_declines_"
UPDATER_AT_PREFIX = "pm_sim_expired_card_updated_at_"
"""An expired card whose replacement the network hands over at the given Unix time,
whatever `card_updater_delay` says: the simulator plays each customer's own delay."""


@dataclass(frozen=True)
class _TestCard:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    decline_code: str | None  # None: charges succeed


# Last four digits of the card numbers Stripe uses behind each test id.
TEST_CARDS: dict[str, _TestCard] = {
    "pm_card_visa": _TestCard("visa", "4242", 12, 2034, None),
    "pm_card_mastercard": _TestCard("mastercard", "4444", 12, 2034, None),
    "pm_card_amex": _TestCard("amex", "0005", 12, 2034, None),
    "pm_card_chargeDeclined": _TestCard("visa", "0002", 12, 2034, codes.CARD_DECLINED),
    "pm_card_chargeDeclinedExpiredCard": _TestCard("visa", "0069", 1, 2024, codes.EXPIRED_CARD),
    "pm_card_chargeDeclinedInsufficientFunds": _TestCard("visa", "9995", 12, 2034, codes.INSUFFICIENT_FUNDS),
    "pm_card_chargeDeclinedLostCard": _TestCard("visa", "9987", 12, 2034, codes.LOST_CARD),
    "pm_card_chargeDeclinedStolenCard": _TestCard("visa", "9979", 12, 2034, codes.STOLEN_CARD),
    "pm_card_chargeDeclinedFraudulent": _TestCard("visa", "0019", 12, 2034, codes.FRAUDULENT),
    "pm_card_chargeCustomerFail": _TestCard("visa", "0341", 12, 2034, codes.CARD_DECLINED),
    "pm_card_chargeDeclinedProcessingError": _TestCard("visa", "0119", 12, 2034, codes.PROCESSING_ERROR),
}
_REPLACEMENT = _TestCard("visa", "4242", 12, 2034, None)
_SHORT = _TestCard("visa", "9995", 12, 2034, codes.INSUFFICIENT_FUNDS)  # declines only until its moment
_SOFT = _TestCard("visa", "0002", 12, 2034, codes.CARD_DECLINED)  # declines only its first n charges
_EXPIRED = TEST_CARDS["pm_card_chargeDeclinedExpiredCard"]

_MESSAGES = {
    codes.EXPIRED_CARD: "Your card has expired.",
    codes.INSUFFICIENT_FUNDS: "Your card has insufficient funds.",
    codes.PROCESSING_ERROR: "An error occurred while processing your card. Try again in a little bit.",
}


def _test_card(payment_method: str) -> _TestCard | None:
    if payment_method.startswith(UPDATED_CARD_PREFIX):
        return _REPLACEMENT
    for prefix, card in (
        (SHORT_UNTIL_PREFIX, _SHORT),
        (SOFT_DECLINES_PREFIX, _SOFT),
        (UPDATER_AT_PREFIX, _EXPIRED),
    ):
        if payment_method.startswith(prefix):
            parts = payment_method.removeprefix(prefix).split("_")
            return card if all(part.isdigit() for part in parts) else None
    return TEST_CARDS.get(payment_method)


def _details(payment_method: str) -> CardDetails:
    card = _REPLACEMENT
    return CardDetails(payment_method, card.brand, card.last4, card.exp_month, card.exp_year)


class SimulatedGateway:
    name = "simulated"

    def __init__(
        self,
        card_updater_delay: timedelta | None = None,
        *,
        clock: Clock | None = None,
        ledger: Ledger | None = None,
        sent_at: Clock | None = None,
        latency: timedelta = timedelta(0),
    ) -> None:
        self._delay = card_updater_delay
        self._clock = clock or SystemClock()
        self._wall = sent_at or SystemClock()
        self.ledger: Ledger = ledger or InMemoryLedger()
        self.latency = latency
        self.charges: list[ChargeRequest] = []  # successful charges this process made, in order

    async def register_customer(self, customer_id: str, email: str, name: str) -> str:
        return f"cus_sim_{customer_id}"

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> CardDetails:
        card = _test_card(payment_method)
        if card is None:
            raise PaymentMethodRejected(f"No such PaymentMethod: '{payment_method}'", decline_code=None)
        return CardDetails(payment_method, card.brand, card.last4, card.exp_month, card.exp_year)

    async def start_card_setup(self, gateway_customer: str) -> str:
        raise CardSetupUnavailable(
            "the simulated gateway takes Stripe test payment method ids such as pm_card_visa; "
            "card entry in the browser needs PAYMENT_GATEWAY=stripe"
        )

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge once per idempotency key; a repeated key gets the first outcome back.

        Recording an outcome keeps the first one for its key and answers that, so a card
        whose outcome changes nothing else is not looked up first: one ledger write per
        charge on a renewal day instead of a read and a write. A soft-declining card
        counts its refusals before the outcome is recorded, so its key is looked up first.
        """
        if self.latency:
            await asyncio.sleep(self.latency.total_seconds())
        if request.gateway_payment_method.startswith(SOFT_DECLINES_PREFIX):
            replayed = await self.ledger.replay(request.idempotency_key)
            if replayed is not None:
                return replayed
        reference = f"pi_sim_{secrets.token_hex(8)}"
        card = _test_card(request.gateway_payment_method)
        if card is None:
            result = ChargeResult(False, reference, codes.CARD_DECLINED, "No such PaymentMethod.")
        elif card.decline_code is None or await self._cleared(request):
            result = ChargeResult(True, reference, None, None)
        else:
            message = _MESSAGES.get(card.decline_code, "Your card was declined.")
            result = ChargeResult(False, reference, card.decline_code, message)
        stands = await self.ledger.record(request, result, self._wall.now())
        if stands is result and result.succeeded:
            self.charges.append(request)
        if stands is result and card is not None and card.decline_code == codes.EXPIRED_CARD:
            await self._schedule_replacement(request.gateway_customer, request.gateway_payment_method)
        return stands

    async def _cleared(self, request: ChargeRequest) -> bool:
        """Whether a card whose cause clears by itself (see the module doc) pays this charge."""
        method = request.gateway_payment_method
        if method.startswith(SHORT_UNTIL_PREFIX):
            return self._clock.now().timestamp() >= int(method.removeprefix(SHORT_UNTIL_PREFIX))
        if method.startswith(SOFT_DECLINES_PREFIX):
            refused = await self.ledger.refused(request.gateway_customer, method)
            if refused >= int(method.removeprefix(SOFT_DECLINES_PREFIX).split("_")[0]):
                return True
            await self.ledger.count_refusal(request.gateway_customer, method)
        return False

    async def due_card_updates(self, now: datetime) -> list[CardUpdate]:
        """Replacement cards the network has delivered by `now`; each is returned once."""
        return [
            CardUpdate(card.gateway_customer, card.old_payment_method, _details(card.new_payment_method))
            for card in await self.ledger.take_due(now)
        ]

    def _replacement_due(self, payment_method: str) -> datetime | None:
        if payment_method.startswith(UPDATER_AT_PREFIX):
            return datetime.fromtimestamp(int(payment_method.removeprefix(UPDATER_AT_PREFIX)), UTC)
        return None if self._delay is None else self._clock.now() + self._delay

    async def _schedule_replacement(self, gateway_customer: str, old_payment_method: str) -> None:
        """The bank replaces an expired card once: later declines of it change nothing."""
        due = self._replacement_due(old_payment_method)
        if due is None:
            return
        number = await self.ledger.count_cards() + 1
        card = ScheduledCard(
            gateway_customer, old_payment_method, f"{UPDATED_CARD_PREFIX}{number}_{secrets.token_hex(4)}", due
        )
        await self.ledger.schedule(card)
