"""Portal tokens: only billing's key can mint one, and it names one customer until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.portal_tokens import InvalidPortalToken, PortalTokenSigner, PortalTokenVerifier, generate_key_pair

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PRIVATE, PUBLIC = generate_key_pair()


def test_a_token_names_the_customer_it_was_minted_for() -> None:
    session = PortalTokenSigner(PRIVATE).mint("cus_a", NOW)
    assert PortalTokenVerifier(PUBLIC).customer_of(session.token, NOW + timedelta(minutes=5)) == "cus_a"
    assert session.id.startswith("ps_")
    assert session.expires_at == NOW + timedelta(hours=1)


def test_an_expired_token_is_refused_as_expired() -> None:
    session = PortalTokenSigner(PRIVATE, ttl=timedelta(minutes=10)).mint("cus_a", NOW)
    with pytest.raises(InvalidPortalToken) as refused:
        PortalTokenVerifier(PUBLIC).customer_of(session.token, NOW + timedelta(minutes=10))
    assert refused.value.expired


def test_a_token_signed_with_another_key_is_refused() -> None:
    other_private, _ = generate_key_pair()
    forged = PortalTokenSigner(other_private).mint("cus_a", NOW)
    with pytest.raises(InvalidPortalToken) as refused:
        PortalTokenVerifier(PUBLIC).customer_of(forged.token, NOW)
    assert not refused.value.expired


def test_a_tampered_token_is_refused() -> None:
    token = PortalTokenSigner(PRIVATE).mint("cus_a", NOW).token
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature])
    with pytest.raises(InvalidPortalToken):
        PortalTokenVerifier(PUBLIC).customer_of(tampered, NOW)


def test_garbage_is_refused() -> None:
    with pytest.raises(InvalidPortalToken):
        PortalTokenVerifier(PUBLIC).customer_of("not-a-token", NOW)


def test_a_public_key_cannot_mint_tokens() -> None:
    with pytest.raises(ValueError, match="private key"):
        PortalTokenSigner(PUBLIC)


def test_a_token_minted_on_a_test_clock_in_the_future_is_valid_on_that_clock() -> None:
    future = datetime(2031, 1, 1, tzinfo=UTC)
    session = PortalTokenSigner(PRIVATE).mint("cus_a", future)
    assert PortalTokenVerifier(PUBLIC).customer_of(session.token, future + timedelta(minutes=1)) == "cus_a"


def test_a_recovery_session_names_its_case_and_an_ordinary_one_none() -> None:
    signer, verifier = PortalTokenSigner(PRIVATE), PortalTokenVerifier(PUBLIC)

    recovery = verifier.claims_of(signer.mint("cus_1", NOW, recovery_case="dc_1").token, NOW)
    ordinary = verifier.claims_of(signer.mint("cus_1", NOW).token, NOW)

    assert (recovery.customer_id, recovery.recovery_case, recovery.is_recovery) == ("cus_1", "dc_1", True)
    assert (ordinary.customer_id, ordinary.recovery_case, ordinary.is_recovery) == ("cus_1", None, False)
