"""Pause's settings: the shared ones plus its database and port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AliasChoices, Field, field_validator

from shared.db import normalise_url
from shared.settings import ServiceSettings, http_url, load_settings

if TYPE_CHECKING:
    from pause.domain.policy import PausePolicies


class PauseSettings(ServiceSettings):
    database_url: str = Field("sqlite:///./var/pause.db", validation_alias=AliasChoices("PAUSE_DATABASE_URL"))
    port: int = Field(8003, ge=1, le=65535, validation_alias=AliasChoices("PAUSE_PORT"))

    dunning_url: str = Field(
        "http://127.0.0.1:8002",
        validation_alias=AliasChoices("DUNNING_URL"),
        description="where the portal opens recovery links (dunning's recovery sessions)",
    )

    pause_policy: str | None = Field(
        None,
        validation_alias=AliasChoices("PAUSE_POLICY"),
        description='JSON: {"version": 1, "default": {...}, "plans": {"pro": {...}}}',
    )

    stripe_publishable_key: str | None = Field(
        None,
        validation_alias=AliasChoices("STRIPE_PUBLISHABLE_KEY"),
        description="Set: the portal's card form is Stripe Elements (billing on PAYMENT_GATEWAY=stripe).",
    )
    stripe_js_url: str = Field(
        "https://js.stripe.com/v3/",
        validation_alias=AliasChoices("STRIPE_JS_URL"),
        description="Where the browser loads Stripe.js from; only used with STRIPE_PUBLISHABLE_KEY.",
    )

    @field_validator("dunning_url")
    @classmethod
    def _dunning_url(cls, value: str) -> str:
        return http_url(value) or value

    seller_name: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        validation_alias=AliasChoices("SELLER_NAME"),
        description="Who sells, on every receipt; unset, BRAND_NAME.",
    )
    seller_address: str = Field(
        "",
        max_length=500,
        validation_alias=AliasChoices("SELLER_ADDRESS"),
        description="The seller's postal address on receipts, lines separated by newlines or `\\n`.",
    )

    @field_validator("seller_name", "seller_address")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        """Shown on receipts a customer may file: no control characters but line breaks."""
        if value:
            for line in value.replace("\\n", "\n").splitlines():
                if any(ord(c) < 32 or ord(c) == 127 for c in line):
                    raise ValueError("must not contain control characters")
        return value

    def seller(self) -> tuple[str, list[str]]:
        """The seller's name and address lines, as a receipt prints them."""
        lines = [line.strip() for line in self.seller_address.replace("\\n", "\n").splitlines()]
        return self.seller_name or self.brand_name, [line for line in lines if line]

    @field_validator("stripe_publishable_key")
    @classmethod
    def _publishable(cls, value: str | None) -> str | None:
        """A secret key here would be sent to every browser, so only `pk_` keys are taken."""
        if value is not None and (not value.startswith("pk_") or len(value) < 8):
            raise ValueError("must be a Stripe publishable key (pk_test_… or pk_live_…), never a secret key")
        return value or None

    @field_validator("stripe_js_url")
    @classmethod
    def _script_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("must be an https URL (plain http only on 127.0.0.1 or localhost)")
        return value

    @field_validator("pause_policy")
    @classmethod
    def _policy(cls, value: str | None) -> str | None:
        if value:
            import json

            from pause.domain.policy import PausePolicies
            from shared.errors import DomainError

            try:
                PausePolicies.from_dict(json.loads(value))
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc}") from None
            except DomainError as exc:
                raise ValueError(f"{exc.field}: {exc}") from None
        return value

    def policies(self) -> PausePolicies:
        import json

        from pause.domain.policy import PausePolicies

        return (
            PausePolicies.from_dict(json.loads(self.pause_policy)) if self.pause_policy else PausePolicies()
        )

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        normalise_url(value)
        return value


def load() -> PauseSettings:
    return load_settings(PauseSettings)
