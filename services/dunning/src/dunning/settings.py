"""Dunning's settings: the shared ones plus its database and port."""

from __future__ import annotations

import json
from typing import Self

from pydantic import AliasChoices, Field, field_validator, model_validator

from dunning.service_layer.policy_book import PolicyBook
from shared.db import normalise_url
from shared.settings import ServiceSettings, http_url, load_settings


class DunningSettings(ServiceSettings):
    database_url: str = Field(
        "sqlite:///./var/dunning.db", validation_alias=AliasChoices("DUNNING_DATABASE_URL")
    )
    port: int = Field(8002, ge=1, le=65535, validation_alias=AliasChoices("DUNNING_PORT"))

    smtp_url: str | None = Field(None, validation_alias=AliasChoices("SMTP_URL"))
    mail_from: str = Field("Billing <billing@example.com>", validation_alias=AliasChoices("MAIL_FROM"))
    mail_dir: str = Field("./var/mail", validation_alias=AliasChoices("MAIL_DIR"))

    portal_base_url: str = Field(
        "http://127.0.0.1:8003/portal", validation_alias=AliasChoices("PORTAL_BASE_URL")
    )
    dashboard_session_hours: int = Field(
        8, ge=1, le=7 * 24, validation_alias=AliasChoices("DASHBOARD_SESSION_HOURS")
    )
    """How long a sign-in to finance's dashboard lasts: a working day by default, so a
    browser left open on a shared desk does not stay signed in."""
    dunning_policies: str | None = Field(
        None,
        validation_alias=AliasChoices("DUNNING_POLICIES"),
        description="JSON list of policy configurations, added to the built-in gentle and aggressive ones",
    )
    dunning_experiment: str = Field(
        '{"gentle": 100}',
        validation_alias=AliasChoices("DUNNING_EXPERIMENT"),
        description='JSON weights per variant, e.g. {"gentle": 90, "aggressive": 10}',
    )

    @model_validator(mode="after")
    def _policy_book(self) -> Self:
        try:
            self.policy_book()
        except (ValueError, TypeError) as exc:
            names = "DUNNING_POLICIES / DUNNING_EXPERIMENT"
            raise ValueError(f"{names}: {exc}") from None
        return self

    def policy_book(self) -> PolicyBook:
        from dunning.domain.policy import BUILT_IN_POLICIES
        from dunning.domain.policy_config import policy_from_dict

        policies = dict(BUILT_IN_POLICIES)
        for config in json.loads(self.dunning_policies) if self.dunning_policies else []:
            policy = policy_from_dict(config)
            policies[policy.version] = policy
        weights = json.loads(self.dunning_experiment)
        if not isinstance(weights, dict):
            raise ValueError("DUNNING_EXPERIMENT must be a JSON object of weights")
        return PolicyBook(
            by_version=policies, weights=weights, card_budget_30_days=self.card_retry_budget_per_30_days
        )

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str | None) -> str | None:
        if value:
            from dunning.adapters.mailer import SmtpMailer

            SmtpMailer(value, "x@example.com")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        normalise_url(value)
        return value

    @field_validator("portal_base_url")
    @classmethod
    def _portal(cls, value: str) -> str:
        return http_url(value) or value


def load() -> DunningSettings:
    return load_settings(DunningSettings)
