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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.adapters.gateways import decline_codes as codes
from billing.adapters.gateways.port import (
    CardDetails,
    CardSetupUnavailable,
    ChargeRequest,
    ChargeResult,
    PaymentMethodRejected,
)
from shared.clock import Clock, SystemClock

UPDATED_CARD_PREFIX = "pm_card_visa_updated_"
SHORT_UNTIL_PREFIX = "pm_sim_insufficient_funds_until_"
SOFT_DECLINES_PREFIX = "pm_sim_soft_declines_"


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

_MESSAGES = {
    codes.EXPIRED_CARD: "Your card has expired.",
    codes.INSUFFICIENT_FUNDS: "Your card has insufficient funds.",
    codes.PROCESSING_ERROR: "An error occurred while processing your card. Try again in a little bit.",
}


@dataclass(frozen=True)
class CardUpdate:
    """The network's replacement for an expired card on one customer."""

    gateway_customer: str
    old_payment_method: str
    new_card: CardDetails


def _test_card(payment_method: str) -> _TestCard | None:
    if payment_method.startswith(UPDATED_CARD_PREFIX):
        return _REPLACEMENT
    for prefix, card in ((SHORT_UNTIL_PREFIX, _SHORT), (SOFT_DECLINES_PREFIX, _SOFT)):
        if payment_method.startswith(prefix):
            parts = payment_method.removeprefix(prefix).split("_")
            return card if all(part.isdigit() for part in parts) else None
    return TEST_CARDS.get(payment_method)


class SimulatedGateway:
    name = "simulated"

    def __init__(self, card_updater_delay: timedelta | None = None, *, clock: Clock | None = None) -> None:
        self._delay = card_updater_delay
        self._clock = clock or SystemClock()
        self._results: dict[str, ChargeResult] = {}  # by idempotency key: the first outcome
        self._updates: list[tuple[datetime, CardUpdate]] = []
        self._expired_seen: set[tuple[str, str]] = set()
        self._issued = 0
        self._declined: dict[tuple[str, str], int] = {}  # soft-decline cards: charges refused so far
        self.charges: list[ChargeRequest] = []  # successful charges actually made, in order

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
        """Charge once per idempotency key; a repeated key gets the first outcome back."""
        if request.idempotency_key in self._results:
            return self._results[request.idempotency_key]
        reference = f"pi_sim_{len(self._results) + 1}"
        card = _test_card(request.gateway_payment_method)
        if card is None:
            result = ChargeResult(False, reference, codes.CARD_DECLINED, "No such PaymentMethod.")
        elif card.decline_code is None or self._cleared(request):
            result = ChargeResult(True, reference, None, None)
            self.charges.append(request)
        else:
            message = _MESSAGES.get(card.decline_code, "Your card was declined.")
            result = ChargeResult(False, reference, card.decline_code, message)
            if card.decline_code == codes.EXPIRED_CARD:
                self._schedule_replacement(request.gateway_customer, request.gateway_payment_method)
        self._results[request.idempotency_key] = result
        return result

    def _cleared(self, request: ChargeRequest) -> bool:
        """Whether a card whose cause clears by itself (see the module doc) pays this charge."""
        method = request.gateway_payment_method
        if method.startswith(SHORT_UNTIL_PREFIX):
            return self._clock.now().timestamp() >= int(method.removeprefix(SHORT_UNTIL_PREFIX))
        if method.startswith(SOFT_DECLINES_PREFIX):
            key = (request.gateway_customer, method)
            refused = self._declined.get(key, 0)
            if refused >= int(method.removeprefix(SOFT_DECLINES_PREFIX).split("_")[0]):
                return True
            self._declined[key] = refused + 1
        return False

    def due_card_updates(self, now: datetime) -> list[CardUpdate]:
        """Replacement cards the network has delivered by `now`; each is returned once."""
        due = [update for at, update in self._updates if at <= now]
        self._updates = [(at, update) for at, update in self._updates if at > now]
        return due

    def _schedule_replacement(self, gateway_customer: str, old_payment_method: str) -> None:
        """The bank replaces an expired card once: later declines of it change nothing."""
        if self._delay is None or (gateway_customer, old_payment_method) in self._expired_seen:
            return
        self._expired_seen.add((gateway_customer, old_payment_method))
        self._issued += 1
        card = _REPLACEMENT
        new_card = CardDetails(
            f"{UPDATED_CARD_PREFIX}{self._issued}", card.brand, card.last4, card.exp_month, card.exp_year
        )
        due_at = self._clock.now() + self._delay
        self._updates.append((due_at, CardUpdate(gateway_customer, old_payment_method, new_card)))
