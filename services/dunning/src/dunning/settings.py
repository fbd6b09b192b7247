"""Dunning's settings: the shared ones plus its database and port."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator

from shared.db import normalise_url
from shared.settings import ServiceSettings, load_settings


class DunningSettings(ServiceSettings):
    database_url: str = Field(
        "sqlite:///./var/dunning.db", validation_alias=AliasChoices("DUNNING_DATABASE_URL")
    )
    port: int = Field(8002, ge=1, le=65535, validation_alias=AliasChoices("DUNNING_PORT"))

    smtp_url: str | None = Field(None, validation_alias=AliasChoices("SMTP_URL"))
    mail_from: str = Field("Billing <billing@example.com>", validation_alias=AliasChoices("MAIL_FROM"))
    mail_dir: str = Field("./var/mail", validation_alias=AliasChoices("MAIL_DIR"))

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


def load() -> DunningSettings:
    return load_settings(DunningSettings)
