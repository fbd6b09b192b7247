"""The log scan finds what a leak looks like and leaves ordinary log lines alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.testing.log_secrets import assert_no_leaks, leaks_in, leaks_in_line

ENV = {"ADMIN_API_KEY": "admin-3f9c2b7e", "STRIPE_WEBHOOK_SECRET": "whsec_abc123def456", "PORT": "8001"}
SECRETS = {"admin-3f9c2b7e", "whsec_abc123def456"}


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('{"msg": "request", "auth": "admin-3f9c2b7e"}', "configured secret"),
        ("signature check with whsec_abc123def456 failed", "configured secret"),
        ("link http://x/portal/session?token=abcdefgh12345678", "credential in a URL"),
        ("Authorization: Bearer sk_live_abcdefgh", "bearer credential"),
        ("got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXNfMSJ9.c2lnbmF0dXJlMTIz", "token"),
        ("card 4242 4242 4242 4242 declined", "card number"),
        ('{"number": "5555555555554444"}', "card number"),
        ('{"msg": "opening rt_Qm9vX2Jhcl9iYXpfcXV4XzEyMzQ1"}', "recovery token"),
    ],
)
def test_each_kind_of_leak_is_found(line: str, kind: str) -> None:
    assert kind in leaks_in_line(line, SECRETS)


@pytest.mark.parametrize(
    "line",
    [
        '{"time": "2026-12-01T21:16:07.524Z", "msg": "billing run batch", "done": 200}',
        '{"event_id": "a75acf75-9e48-49e2-87fc-d81f681dc2d5", "offset": 1234567890123}',
        "invoice 2026-000042 paid, 1500 EUR, card ending 4242",
        "duration 0.4242424242424242 s",
    ],
)
def test_ordinary_lines_are_not_leaks(line: str) -> None:
    assert leaks_in_line(line, SECRETS) == []


def test_a_leak_is_reported_by_place_and_kind_never_by_value(tmp_path: Path) -> None:
    (tmp_path / "billing.log").write_text("started\nkey admin-3f9c2b7e\n")
    (tmp_path / "pause.log").write_text("started\n")
    assert [str(leak) for leak in leaks_in(sorted(tmp_path.glob("*.log")), ENV)] == [
        "billing.log:2: configured secret"
    ]
    with pytest.raises(AssertionError) as failure:
        assert_no_leaks(tmp_path, ENV)
    assert "admin-3f9c2b7e" not in str(failure.value)
