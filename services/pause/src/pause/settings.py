"""Pause's settings: the shared ones plus its database and port."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator

from shared.db import normalise_url
from shared.settings import ServiceSettings, load_settings


class PauseSettings(ServiceSettings):
    database_url: str = Field("sqlite:///./var/pause.db", validation_alias=AliasChoices("PAUSE_DATABASE_URL"))
    port: int = Field(8003, ge=1, le=65535, validation_alias=AliasChoices("PAUSE_PORT"))

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        normalise_url(value)
        return value


def load() -> PauseSettings:
    return load_settings(PauseSettings)
