"""Stripe behind the payment gateway port, through the official SDK's async client.

A charge must never happen twice for one idempotency key, even when Stripe's answer is
lost. So every charge first looks for what this key already did, and only then creates
a PaymentIntent. The key travels twice: as Stripe's `Idempotency-Key` header and in the
intent's metadata as `idempotency_key`. We need both:
- The header makes Stripe replay its first answer. That covers a request still running
  at Stripe and two concurrent requests with the same key. But Stripe may forget a key
  once it is 24 hours old, and billing can retry a pending attempt later than that (after
  an outage, say). localstripe ignores the header altogether.
- The look-up lists the customer's charges with their PaymentIntents expanded and
  matches `metadata.idempotency_key`. Listing is read-after-write consistent. The Search
  API is not: it can lag by about a minute. localstripe cannot filter PaymentIntents
  by customer, but it can filter charges.
The look-up sees only intents that reached a charge. An intent that stopped before one
(3-D Secure required) moved no money, so creating another one is safe.

Timeouts, connection errors, 409, 429 and 5xx are retried here, not by the SDK, so
that the look-up runs before every retry: a charge whose answer was lost resolves to
that charge. If the outcome is still unknown, the caller gets GatewayUnavailable and
tries again later with the same key. Card data and the API key are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import stripe
from stripe.params import SetupIntentCreateParams

from billing.adapters.gateways.decline_codes import decline_code_from_stripe_error
from billing.adapters.gateways.port import (
    CardDetails,
    ChargeRequest,
    ChargeResult,
    GatewayUnavailable,
    PaymentMethodRejected,
)
from billing.adapters.gateways.stripe_payloads import (
    IDEMPOTENCY_KEY_METADATA,
    card_details,
    error_of,
    intent_id_in,
    message_of,
    result_from_intent,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Undecided(Exception):
    """A PaymentIntent exists for the key but has no outcome yet (`processing`)."""


_RETRYABLE = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError, _Undecided)


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        max_network_retries: int = 2,
        timeout_seconds: float = 10,
        retry_backoff_seconds: float = 0.5,
    ) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=0,  # retried in `_retrying`, with a look-up before each retry
        )
        self._retries = max_network_retries
        self._backoff = retry_backoff_seconds

    def __repr__(self) -> str:
        return "StripeGateway()"  # never the API key

    async def aclose(self) -> None:
        close: Callable[[], Awaitable[None]] = self._http.close_async  # untyped in the SDK
        await close()

    async def register_customer(self, customer_id: str, email: str, name: str) -> str:
        return await self._retrying("register_customer", lambda: self._customer(customer_id, email, name))

    async def attach_payment_method(self, gateway_customer: str, payment_method: str) -> CardDetails:
        return await self._retrying(
            "attach_payment_method", lambda: self._attach(gateway_customer, payment_method)
        )

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        return await self._retrying("charge", lambda: self._charge_once(request))

    async def start_card_setup(self, gateway_customer: str) -> str:
        """A SetupIntent for off-session use, so later renewals need no customer present.

        Creating one moves no money; a retry after a lost answer leaves at most an unused
        intent, which Stripe expires by itself.
        """

        async def create() -> str:
            params: SetupIntentCreateParams = {"customer": gateway_customer, "usage": "off_session"}
            intent = await self._client.v1.setup_intents.create_async(params=params)
            secret = intent.client_secret
            if not secret:
                raise GatewayUnavailable(
                    "stripe start_card_setup: the SetupIntent came back without a secret"
                )
            return secret

        return await self._retrying("start_card_setup", create)

    async def _customer(self, customer_id: str, email: str, name: str) -> str:
        """The customer made for `customer_id` before, found by email, else a new one."""
        found = await self._client.v1.customers.list_async(params={"email": email, "limit": 100})
        for customer in found.to_dict()["data"]:
            if (customer.get("metadata") or {}).get("customer_id") == customer_id:
                return str(customer["id"])
        created = await self._client.v1.customers.create_async(
            params={"email": email, "name": name, "metadata": {"customer_id": customer_id}},
            options={"idempotency_key": f"customer-{customer_id}"},
        )
        return created.id

    async def _attach(self, gateway_customer: str, payment_method: str) -> CardDetails:
        """Attach the card unless a confirmed SetupIntent already attached it to this customer."""
        try:
            method = await self._client.v1.payment_methods.retrieve_async(payment_method)
            if method.customer != gateway_customer:
                method = await self._client.v1.payment_methods.attach_async(
                    method.id, params={"customer": gateway_customer}
                )
        except (stripe.CardError, stripe.InvalidRequestError) as exc:
            error = error_of(exc)
            code = decline_code_from_stripe_error(error) if isinstance(exc, stripe.CardError) else None
            raise PaymentMethodRejected(message_of(error) or "the card was refused", code) from None
        card = card_details(method.to_dict())
        await self._client.v1.customers.update_async(
            gateway_customer,
            params={"invoice_settings": {"default_payment_method": card.gateway_payment_method}},
        )
        return card

    async def _charge_once(self, request: ChargeRequest) -> ChargeResult:
        earlier = await self._earlier_outcome(request)
        if earlier is not None:
            return earlier
        metadata = {**request.metadata, "description": request.description}
        metadata[IDEMPOTENCY_KEY_METADATA] = request.idempotency_key
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params={
                    "amount": request.amount.amount,
                    "currency": request.amount.currency.lower(),
                    "customer": request.gateway_customer,
                    "payment_method": request.gateway_payment_method,
                    "confirm": True,
                    "off_session": True,
                    "metadata": metadata,
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            return await self._declined(exc)
        except (stripe.InvalidRequestError, stripe.IdempotencyError) as exc:
            # Refused before any charge (no such customer or payment method, key reused
            # with other parameters): a failure, never a charge.
            error = error_of(exc)
            log.warning("stripe refused charge %s: %s", request.idempotency_key, error.get("code"))
            return ChargeResult(False, None, decline_code_from_stripe_error(error), message_of(error))
        return _settled(intent.to_dict())

    async def _earlier_outcome(self, request: ChargeRequest) -> ChargeResult | None:
        """What this idempotency key already did at Stripe, if it reached a charge."""
        charges = await self._client.v1.charges.list_async(
            params={"customer": request.gateway_customer, "limit": 100, "expand": ["data.payment_intent"]}
        )
        for charge in charges.to_dict()["data"]:
            intent = charge.get("payment_intent")
            if not isinstance(intent, dict):
                continue
            if (intent.get("metadata") or {}).get(IDEMPOTENCY_KEY_METADATA) == request.idempotency_key:
                return _settled(intent)
        return None

    async def _declined(self, exc: stripe.CardError) -> ChargeResult:
        error = error_of(exc)
        reference = intent_id_in(error)
        charge_id = error.get("charge")
        if reference is None and isinstance(charge_id, str):
            charge = (await self._client.v1.charges.retrieve_async(charge_id)).to_dict()
            intent = charge.get("payment_intent")
            reference = intent if isinstance(intent, str) else None
        return ChargeResult(False, reference, decline_code_from_stripe_error(error), message_of(error))

    async def _retrying(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        last: Exception | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                return await call()
            except _RETRYABLE as exc:
                last = exc
                log.warning("stripe %s: try %d failed: %s", operation, attempt + 1, type(exc).__name__)
            except (stripe.AuthenticationError, stripe.PermissionError) as exc:
                raise GatewayUnavailable(f"stripe {operation}: the API key was refused") from exc
        raise GatewayUnavailable(f"stripe {operation}: no answer after {self._retries + 1} tries") from last


def _settled(intent: dict[str, Any]) -> ChargeResult:
    result = result_from_intent(intent)
    if result is None:
        raise _Undecided(f"PaymentIntent {intent.get('id')} is {intent.get('status')}")
    return result
