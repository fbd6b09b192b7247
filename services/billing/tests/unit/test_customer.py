"""Registering a customer validates what dunning relies on and records one event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing.domain.customer import Customer, InvalidCustomer
from shared.contracts.billing import CustomerCreated, CustomerUpdated

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def register(**overrides: str) -> Customer:
    fields = {"email": "ada@example.com", "name": "Ada Lovelace", "timezone": "Europe/Paris"}
    fields.update(overrides)
    return Customer.register(**fields, now=NOW)


def test_registering_a_customer_keeps_its_details() -> None:
    customer = register()

    assert customer.email == "ada@example.com"
    assert customer.name == "Ada Lovelace"
    assert customer.timezone == "Europe/Paris"
    assert customer.created_at == NOW


def test_registering_a_customer_records_exactly_one_customer_created_event() -> None:
    customer = register()

    assert len(customer.events) == 1
    event = customer.events[0]
    assert isinstance(event, CustomerCreated)
    assert event.customer_id == customer.id
    assert event.email == "ada@example.com"
    assert event.name == "Ada Lovelace"
    assert event.timezone == "Europe/Paris"
    assert event.created_at == NOW


def test_surrounding_whitespace_is_trimmed_from_email_and_name() -> None:
    customer = register(email="  ada@example.com ", name="  Ada  ")

    assert customer.email == "ada@example.com"
    assert customer.name == "Ada"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@localhost"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
    ],
    ids=["atlantis", "mars", "no-at", "no-dot-in-domain", "empty-name", "blank-name"],
)
def test_an_invalid_detail_raises_invalid_customer_naming_the_field(
    overrides: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidCustomer) as caught:
        register(**overrides)

    assert caught.value.field == field


def test_customer_ids_start_with_cus_and_are_unique() -> None:
    ids = [register().id for _ in range(200)]

    assert all(customer_id.startswith("cus_") for customer_id in ids)
    assert len(set(ids)) == len(ids)


def test_a_customer_changing_language_records_the_whole_profile_once() -> None:
    customer = register()
    customer.events.clear()

    assert customer.change_locale("FR", NOW) is True
    assert customer.change_locale("fr", NOW) is False

    assert customer.locale == "fr"
    assert len(customer.events) == 1
    update = customer.events[0]
    assert isinstance(update, CustomerUpdated)
    assert (update.locale, update.email, update.timezone) == ("fr", "ada@example.com", "Europe/Paris")


def test_an_unknown_language_is_refused_naming_locale() -> None:
    with pytest.raises(InvalidCustomer) as refused:
        register(locale="xx-nowhere")
    assert refused.value.field == "locale"
