"""Settings from the environment, checked at start.

A service with a broken setting must refuse to start and name the variable, rather
than fail on the first request. Each service subclasses `ServiceSettings` and adds its
own prefixed variables (`BILLING_DATABASE_URL`, `BILLING_PORT`, …).
"""

from __future__ import annotations

import sys
from typing import ClassVar, Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    AnyHttpUrl,
    AwareDatetime,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.db.engine import missing_sqlite_folder

DEV_ADMIN_API_KEY = "dev-admin-key"
DEV_FINANCE_API_KEY = "dev-finance-key"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(SystemExit):
    """Stops the process with a message that names the variable."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


_HTTP_URL = TypeAdapter(AnyHttpUrl)


def http_url(value: str | None) -> str | None:
    """An address another service or a browser is sent to: `http(s)://host…` or nothing
    else, so `javascript:` or a bare `host:port` stops the service instead of a link."""
    if value is not None:
        try:
            _HTTP_URL.validate_python(value)
        except ValidationError:
            raise ValueError("expected an http:// or https:// URL with a host") from None
    return value


class ServiceSettings(BaseSettings):
    """What every service needs; values come only from environment variables."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True, populate_by_name=False)

    app_env: Literal["development", "test", "production"] = Field(
        "development", validation_alias=_env("APP_ENV")
    )
    kafka_bootstrap_servers: str = Field("127.0.0.1:19092", validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"))
    admin_api_key: str = Field(DEV_ADMIN_API_KEY, validation_alias=_env("ADMIN_API_KEY"))
    finance_api_key: str = Field(DEV_FINANCE_API_KEY, validation_alias=_env("FINANCE_API_KEY"))
    clock: Literal["system", "test"] = Field("system", validation_alias=_env("CLOCK"))
    test_clock_start: AwareDatetime | None = Field(None, validation_alias=_env("TEST_CLOCK_START"))
    billing_url: str = Field("http://127.0.0.1:8001", validation_alias=_env("BILLING_URL"))
    """Where billing's API answers: for dunning's card-update links, pause's card form, and
    every service's registration with the test clock."""
    pause_url: str = Field("http://127.0.0.1:8003", validation_alias=_env("PAUSE_URL"))
    """Where pause's API answers: for finance's dashboard in dunning, and the test clock."""
    advertised_url: str | None = Field(None, validation_alias=_env("ADVERTISED_URL"))
    """Where other services reach this instance (the test clock's coordinator asks it);
    unset, its own bind address and port."""
    """With `CLOCK=test`, the simulated time's first moment (RFC 3339 with an offset), so a
    run does not depend on the day it is started; unset, simulated time starts at the
    wall-clock time. Every service must be given the same value."""
    bind_host: str = Field("127.0.0.1", validation_alias=_env("BIND_HOST"))
    log_level: LogLevel = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    otel_exporter_otlp_endpoint: str | None = Field(
        None, validation_alias=_env("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    """An OpenTelemetry collector's OTLP/HTTP base address; unset, no traces are made."""
    kafka_session_timeout_ms: int = Field(
        10000, ge=1000, le=300000, validation_alias=_env("KAFKA_SESSION_TIMEOUT_MS")
    )
    kafka_fetch_max_wait_ms: int = Field(
        50, ge=10, le=30000, validation_alias=_env("KAFKA_FETCH_MAX_WAIT_MS")
    )
    """How long a consumer's fetch may wait for new messages: each hop between services
    can take this long when the broker answers only at the deadline (the embedded one does)."""
    outbox_relay: Literal["embedded", "off"] = Field("embedded", validation_alias=_env("OUTBOX_RELAY"))

    portal_public_key: str | None = Field(None, validation_alias=_env("PORTAL_PUBLIC_KEY"))
    card_retry_budget_per_day: int = Field(
        10, ge=1, le=1000, validation_alias=_env("CARD_RETRY_BUDGET_PER_DAY")
    )
    """Charges billing sends on one card in any 24 hours (Mastercard allows 10)."""
    card_retry_budget_per_30_days: int = Field(
        15, ge=1, le=1000, validation_alias=_env("CARD_RETRY_BUDGET_PER_30_DAYS")
    )
    """Charges on one card in any 30 days (Visa 15, 20 since 2025; Mastercard 35); dunning
    plans its retries within it too."""
    brand_name: str = Field(
        "Your subscription", min_length=1, max_length=80, validation_alias=_env("BRAND_NAME")
    )
    """The name customers know the business by: at the top of every email and portal page."""

    @field_validator("brand_name")
    @classmethod
    def _printable_brand(cls, value: str) -> str:
        from shared.errors import DomainError
        from shared.text import plain_text

        try:
            return plain_text("BRAND_NAME", value)
        except DomainError as exc:
            raise ValueError(exc.message) from None

    @field_validator("portal_public_key")
    @classmethod
    def _public_pem(cls, value: str | None) -> str | None:
        if value:
            from shared.portal_tokens import load_public_key

            try:
                load_public_key(value)
            except ValueError as exc:
                raise ValueError(f"not an Ed25519 public key in PEM ({exc})") from None
        return value

    @field_validator("advertised_url", "billing_url", "pause_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return http_url(value)

    @field_validator("otel_exporter_otlp_endpoint")
    @classmethod
    def _collector(cls, value: str | None) -> str | None:
        """Empty is unset (compose passes `${OTEL_EXPORTER_OTLP_ENDPOINT:-}` through);
        anything else must be the collector's http(s) address."""
        return http_url(value) if value else None

    def own_url(self, port: int) -> str:
        """This instance's address for other services."""
        if self.advertised_url:
            return self.advertised_url.rstrip("/")
        host = "127.0.0.1" if self.bind_host in ("0.0.0.0", "::") else self.bind_host  # noqa: S104
        return f"http://{host}:{port}"

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _host_ports(cls, value: str) -> str:
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError("expected host:port[,host:port…]")
        return value

    @field_validator("admin_api_key", "finance_api_key")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < 12:
            raise ValueError("must be at least 12 characters")
        return value

    DISTINCT_SECRETS: ClassVar[tuple[str, ...]] = ("admin_api_key", "finance_api_key")
    """Credentials that must all differ: a finance key equal to the admin key would open
    every write API to whoever reads the reports. Services add their own secrets."""

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable behind a field, as operators know it."""
        alias = cls.model_fields[field].validation_alias
        return str(alias.choices[0]) if isinstance(alias, AliasChoices) else field.upper()

    @model_validator(mode="after")
    def _secrets_differ(self) -> Self:
        seen: dict[str, str] = {}
        for field in self.DISTINCT_SECRETS:
            value = getattr(self, field)
            if not value:
                continue
            if value in seen:
                raise ValueError(f"{self.variable(field)}: must differ from {self.variable(seen[value])}")
            seen[value] = field
        return self

    @model_validator(mode="after")
    def _budget_adds_up(self) -> Self:
        if self.card_retry_budget_per_day > self.card_retry_budget_per_30_days:
            raise ValueError(
                "CARD_RETRY_BUDGET_PER_DAY: cannot exceed CARD_RETRY_BUDGET_PER_30_DAYS "
                f"({self.card_retry_budget_per_day} > {self.card_retry_budget_per_30_days})"
            )
        return self

    @model_validator(mode="after")
    def _database_folder_exists(self) -> Self:
        """A path typed with a slip must not become an empty database in a new folder,
        with every customer missing; only the default's own `./var/` is made for you."""
        url = getattr(self, "database_url", None)
        if isinstance(url, str) and "database_url" in self.model_fields_set:
            problem = missing_sqlite_folder(url)
            if problem:
                raise ValueError(f"{self.variable('database_url')}: {problem}")
        return self

    @model_validator(mode="after")
    def _no_dev_keys_outside_development(self) -> Self:
        if self.app_env != "production":
            return self
        if self.admin_api_key == DEV_ADMIN_API_KEY:
            raise ValueError("ADMIN_API_KEY: the development key is refused when APP_ENV=production")
        if self.finance_api_key == DEV_FINANCE_API_KEY:
            raise ValueError("FINANCE_API_KEY: the development key is refused when APP_ENV=production")
        if self.clock == "test":
            raise ValueError("CLOCK: the test clock is refused when APP_ENV=production")
        return self

    @property
    def uses_dev_keys(self) -> bool:
        return self.admin_api_key == DEV_ADMIN_API_KEY or self.finance_api_key == DEV_FINANCE_API_KEY


S = TypeVar("S", bound=ServiceSettings)


def explain(error: ValidationError) -> str:
    """One line per bad variable, naming it as the operator typed it."""
    lines = []
    for item in error.errors():
        name = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {name}: {message}" if name else f"  {message}")
    return "invalid configuration:\n" + "\n".join(lines)


def load_settings(cls: type[S]) -> S:
    """Read settings or exit with status 2 and a message naming each bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        print(explain(exc), file=sys.stderr)
        raise SettingsError(2) from None
