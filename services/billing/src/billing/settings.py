"""Billing's settings: the shared ones plus its database, port and payment gateway."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import AliasChoices, Field, field_validator, model_validator

from shared.db import normalise_url
from shared.settings import ServiceSettings, http_url, load_settings


class BillingSettings(ServiceSettings):
    DISTINCT_SECRETS: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.DISTINCT_SECRETS,
        "stripe_api_key",
        "stripe_webhook_secret",
    )

    database_url: str = Field(
        "sqlite:///./var/billing.db", validation_alias=AliasChoices("BILLING_DATABASE_URL")
    )
    port: int = Field(8001, ge=1, le=65535, validation_alias=AliasChoices("BILLING_PORT"))
    payment_gateway: Literal["simulated", "stripe"] = Field(
        "simulated", validation_alias=AliasChoices("PAYMENT_GATEWAY")
    )
    stripe_api_key: str | None = Field(None, validation_alias=AliasChoices("STRIPE_API_KEY"))
    stripe_api_base: str | None = Field(None, validation_alias=AliasChoices("STRIPE_API_BASE"))
    stripe_webhook_secret: str | None = Field(None, validation_alias=AliasChoices("STRIPE_WEBHOOK_SECRET"))

    dunning_url: str = Field(
        "http://127.0.0.1:8002",
        validation_alias=AliasChoices("DUNNING_URL"),
        description="for the test clock",
    )
    pause_url: str = Field(
        "http://127.0.0.1:8003", validation_alias=AliasChoices("PAUSE_URL"), description="for the test clock"
    )
    charge_lease_seconds: int = Field(
        60, ge=5, le=3600, validation_alias=AliasChoices("CHARGE_LEASE_SECONDS")
    )
    """How long a billing process holds a pending charge it is sending: a crashed
    holder's charges are sent again by another process once their leases run out."""
    simulated_gateway_latency_ms: int = Field(
        0, ge=0, le=10_000, validation_alias=AliasChoices("SIMULATED_GATEWAY_LATENCY_MS")
    )
    """The simulated gateway answers after this long, as a real one does; demos and the
    fault tests use it to have charges in flight."""
    gateway_concurrency: int = Field(16, ge=1, le=256, validation_alias=AliasChoices("GATEWAY_CONCURRENCY"))
    """How many charges billing has in flight at the gateway at once. A renewal day sends
    thousands, and one at a time waits out every round trip; the gateway's rate limit
    (Stripe's is 100 requests a second in live mode) caps it from above."""
    card_updater_delay_days: int | None = Field(
        None, ge=0, le=60, validation_alias=AliasChoices("SIMULATED_CARD_UPDATER_DAYS")
    )

    portal_signing_key: str | None = Field(None, validation_alias=AliasChoices("PORTAL_SIGNING_KEY"))
    portal_base_url: str = Field(
        "http://127.0.0.1:8003/portal", validation_alias=AliasChoices("PORTAL_BASE_URL")
    )
    portal_session_minutes: int = Field(
        60, ge=1, le=7 * 24 * 60, validation_alias=AliasChoices("PORTAL_SESSION_MINUTES")
    )

    @field_validator("portal_signing_key")
    @classmethod
    def _private_pem(cls, value: str | None) -> str | None:
        if value:
            from shared.portal_tokens import load_private_key

            try:
                load_private_key(value)
            except ValueError as exc:
                raise ValueError(f"not an Ed25519 private key in PEM ({exc})") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        normalise_url(value)
        return value

    @field_validator("dunning_url", "portal_base_url", "stripe_api_base")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return http_url(value)

    @model_validator(mode="after")
    def _stripe_needs_a_key(self) -> Self:
        if self.payment_gateway == "stripe" and not self.stripe_api_key:
            raise ValueError("STRIPE_API_KEY: required when PAYMENT_GATEWAY=stripe")
        if self.app_env == "production" and not self.portal_signing_key:
            raise ValueError("PORTAL_SIGNING_KEY: required when APP_ENV=production")
        return self


def load() -> BillingSettings:
    return load_settings(BillingSettings)
