"""Settings are checked at start: a bad value stops the service and names the variable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from billing.settings import BillingSettings
from shared.messaging.reachable import ensure_broker_reachable
from shared.portal_tokens import generate_key_pair
from shared.settings import load_settings

SETTINGS_VARIABLES = (
    "APP_ENV",
    "KAFKA_BOOTSTRAP_SERVERS",
    "ADMIN_API_KEY",
    "FINANCE_API_KEY",
    "CLOCK",
    "BIND_HOST",
    "LOG_LEVEL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "KAFKA_SESSION_TIMEOUT_MS",
    "OUTBOX_RELAY",
    "BILLING_DATABASE_URL",
    "BILLING_PORT",
    "PAYMENT_GATEWAY",
    "STRIPE_API_KEY",
    "STRIPE_API_BASE",
    "STRIPE_WEBHOOK_SECRET",
    "PORTAL_SIGNING_KEY",
    "PORTAL_PUBLIC_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_JS_URL",
    "BILLING_URL",
    "PAUSE_URL",
    "DUNNING_URL",
    "PORTAL_BASE_URL",
    "DUNNING_DATABASE_URL",
    "PAUSE_DATABASE_URL",
    "BRAND_NAME",
    "SELLER_NAME",
    "SELLER_ADDRESS",
)
REAL_ADMIN_KEY = "prod-admin-0123456789"
REAL_FINANCE_KEY = "prod-finance-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from the defaults, whatever the developer's shell exports."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def refused(capsys: pytest.CaptureFixture[str]) -> str:
    """Load billing's settings, expect exit status 2, and return what went to stderr."""
    with pytest.raises(SystemExit) as stopped:
        load_settings(BillingSettings)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_defaults_give_port_8001_a_sqlite_database_and_the_system_clock() -> None:
    settings = load_settings(BillingSettings)

    assert settings.port == 8001
    assert settings.database_url.startswith("sqlite")
    assert settings.clock == "system"
    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.payment_gateway == "simulated"
    assert settings.app_env == "development"
    assert settings.uses_dev_keys


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_PORT", "9101")
    monkeypatch.setenv("BILLING_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/billing")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("CLOCK", "test")

    settings = load_settings(BillingSettings)

    assert settings.port == 9101
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/billing"
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.clock == "test"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KAFKA_BOOTSTRAP_SERVERS", "nohostport"),
        ("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092,nohostport"),
        ("BILLING_PORT", "eighty"),
        ("BILLING_PORT", "70000"),
        ("BILLING_DATABASE_URL", "mysql://x/y"),
        ("CLOCK", "sometimes"),
        ("PAYMENT_GATEWAY", "paypal"),
        ("ADMIN_API_KEY", "short"),
        ("CARD_RETRY_BUDGET_PER_DAY", "0"),
        ("CARD_RETRY_BUDGET_PER_DAY", "16"),
        ("CARD_RETRY_BUDGET_PER_30_DAYS", "ten"),
    ],
)
def test_a_bad_value_stops_with_status_2_and_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    assert variable in refused(capsys)


def test_production_with_the_development_keys_is_refused_naming_admin_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")

    assert "ADMIN_API_KEY" in refused(capsys)


def test_production_with_the_development_finance_key_is_refused_naming_finance_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("ADMIN_API_KEY", REAL_ADMIN_KEY)

    assert "FINANCE_API_KEY" in refused(capsys)


def test_production_with_the_test_clock_is_refused_naming_clock(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("ADMIN_API_KEY", REAL_ADMIN_KEY)
    monkeypatch.setenv("FINANCE_API_KEY", REAL_FINANCE_KEY)
    monkeypatch.setenv("CLOCK", "test")

    assert "CLOCK" in refused(capsys)


def test_production_with_real_keys_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("ADMIN_API_KEY", REAL_ADMIN_KEY)
    monkeypatch.setenv("FINANCE_API_KEY", REAL_FINANCE_KEY)
    monkeypatch.setenv("PORTAL_SIGNING_KEY", generate_key_pair()[0])

    settings = load_settings(BillingSettings)

    assert settings.app_env == "production"
    assert settings.admin_api_key == REAL_ADMIN_KEY
    assert not settings.uses_dev_keys


def test_production_without_a_portal_signing_key_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("ADMIN_API_KEY", REAL_ADMIN_KEY)
    monkeypatch.setenv("FINANCE_API_KEY", REAL_FINANCE_KEY)

    with pytest.raises(SystemExit):
        load_settings(BillingSettings)

    assert "PORTAL_SIGNING_KEY" in capsys.readouterr().err


def test_a_portal_key_that_is_not_pem_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_KEY", "-----BEGIN NONSENSE-----")

    with pytest.raises(SystemExit):
        load_settings(BillingSettings)

    assert "PORTAL_PUBLIC_KEY" in capsys.readouterr().err


def test_the_stripe_gateway_without_an_api_key_is_refused_naming_stripe_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")

    assert "STRIPE_API_KEY" in refused(capsys)


def test_the_stripe_gateway_with_an_api_key_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_123")

    settings = load_settings(BillingSettings)

    assert settings.payment_gateway == "stripe"
    assert settings.stripe_api_key == "sk_test_123"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STRIPE_PUBLISHABLE_KEY", "sk_live_0123456789"),  # a secret key would reach every browser
        ("STRIPE_JS_URL", "http://cdn.example.com/stripe.js"),
    ],
)
def test_a_portal_stripe_setting_that_would_leak_or_load_insecurely_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    from pause.settings import PauseSettings

    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit):
        load_settings(PauseSettings)

    error = capsys.readouterr().err
    assert variable in error
    assert value not in error, "a refused key is not echoed into logs"


def test_billing_serve_with_a_bad_port_exits_with_status_2_naming_billing_port() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "billing", "serve"],
        env={**os.environ, "BILLING_PORT": "not-a-port"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert "BILLING_PORT" in result.stderr


@pytest.mark.parametrize(
    ("service", "variable", "value"),
    [
        ("dunning", "PAUSE_URL", "pause:8003"),
        ("dunning", "BILLING_URL", "not a url"),
        ("dunning", "PORTAL_BASE_URL", "javascript:alert(1)"),
        ("pause", "BILLING_URL", "http://"),
        ("billing", "DUNNING_URL", "not a url"),
        ("billing", "PAUSE_URL", "javascript:alert(1)"),
        ("billing", "PORTAL_BASE_URL", "javascript:alert(1)"),
        ("billing", "STRIPE_API_BASE", "localhost:12111"),
        ("pause", "OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector:4318"),
    ],
)
def test_an_address_that_is_not_an_http_url_stops_the_service_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    service: str,
    variable: str,
    value: str,
) -> None:
    from dunning.settings import DunningSettings
    from pause.settings import PauseSettings

    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings(
            {"billing": BillingSettings, "dunning": DunningSettings, "pause": PauseSettings}[service]
        )

    assert stopped.value.code == 2
    assert f"{variable}: expected an http:// or https:// URL" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("FINANCE_API_KEY", "dev-admin-key", "FINANCE_API_KEY: must differ from ADMIN_API_KEY"),
        (
            "STRIPE_WEBHOOK_SECRET",
            "dev-finance-key",
            "STRIPE_WEBHOOK_SECRET: must differ from FINANCE_API_KEY",
        ),
    ],
)
def test_a_secret_equal_to_another_credential_is_refused_naming_it_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)

    error = refused(capsys)

    assert named in error
    assert value not in error


def test_a_sqlite_database_in_a_folder_that_does_not_exist_is_refused_and_no_folder_is_made(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path}/typo/billing.db")

    assert f"BILLING_DATABASE_URL: the folder {tmp_path}/typo does not exist" in refused(capsys)
    assert not (tmp_path / "typo").exists()


def test_a_sqlite_database_in_an_existing_folder_is_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path}/billing.db")

    assert load_settings(BillingSettings).database_url == f"sqlite:///{tmp_path}/billing.db"


def test_no_broker_at_start_is_one_line_naming_kafka_bootstrap_servers_and_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    with pytest.raises(SystemExit) as stopped:
        ensure_broker_reachable(f"127.0.0.1:{port}", wait_seconds=0.3)

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"KAFKA_BOOTSTRAP_SERVERS: no Kafka broker answered at 127.0.0.1:{port}")
    assert error.count("\n") == 1
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BRAND_NAME", ""),
        ("BRAND_NAME", "Plage\u202eSARL"),  # a bidirectional override would disguise the sender
        ("BRAND_NAME", "x" * 81),
        ("SELLER_NAME", "Plage\x1bSARL"),
        ("SELLER_ADDRESS", "12 quai des Dunes\x07"),
    ],
)
def test_a_brand_or_seller_that_would_print_wrongly_stops_pause_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    from pause.settings import PauseSettings

    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit):
        load_settings(PauseSettings)

    assert variable in capsys.readouterr().err


def test_a_seller_address_keeps_its_lines_and_the_seller_defaults_to_the_brand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pause.settings import PauseSettings

    monkeypatch.setenv("BRAND_NAME", "Plage")
    monkeypatch.setenv("SELLER_ADDRESS", "12 quai des Dunes\\n33000 Bordeaux")

    assert load_settings(PauseSettings).seller() == ("Plage", ["12 quai des Dunes", "33000 Bordeaux"])


def test_an_empty_collector_address_means_no_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    assert load_settings(BillingSettings).otel_exporter_otlp_endpoint is None
