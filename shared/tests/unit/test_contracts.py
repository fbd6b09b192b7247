"""The public event contracts: committed schemas, compatibility gate, registry and codec."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from shared.contracts import decode_event, encode_event, new_event
from shared.contracts.base import EventData, Topic
from shared.contracts.billing import CustomerCreated, PaymentFailed
from shared.contracts.codec import MalformedMessage, UnknownEventType
from shared.contracts.compat import breaking_changes
from shared.contracts.notifications import NotificationRequested
from shared.contracts.registry import ALL_TYPES, BY_TYPE
from shared.contracts.schema import all_schemas
from shared.money import Money

REPO = Path(__file__).resolve().parents[3]
SCHEMA_DIR = REPO / "contracts" / "schemas"
COMMITTED = sorted(SCHEMA_DIR.glob("*.json"))
CURRENT = all_schemas()

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))

# DESIGN.md, "Topics and types".
DESIGN_TOPICS: dict[str, Topic] = {
    **dict.fromkeys(
        [
            "customer.created",
            "payment_method.updated",
            "payment_method.expiring",
            "subscription.created",
            "subscription.renewed",
            "subscription.past_due",
            "subscription.paused",
            "subscription.resumed",
            "subscription.canceled",
            "invoice.finalized",
            "invoice.paid",
            "invoice.uncollectible",
            "payment.succeeded",
            "payment.failed",
        ],
        Topic.BILLING_EVENTS,
    ),
    **dict.fromkeys(
        [
            "dunning.case_opened",
            "dunning.retry_scheduled",
            "dunning.reminder_sent",
            "dunning.case_closed",
        ],
        Topic.DUNNING_EVENTS,
    ),
    **dict.fromkeys(
        ["pause.scheduled", "pause.started", "pause.extended", "pause.ended", "pause.canceled"],
        Topic.PAUSE_EVENTS,
    ),
    **dict.fromkeys(["payment.retry", "subscription.cancel"], Topic.BILLING_COMMANDS),
    "notification.requested": Topic.NOTIFICATIONS,
}


def committed(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


# --- committed schemas --------------------------------------------------------------


def test_every_type_in_the_code_has_a_committed_schema() -> None:
    missing = sorted(set(CURRENT) - {path.stem for path in COMMITTED})

    assert not missing, f"no committed schema for {missing}; run `make schemas` and commit contracts/schemas/"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_every_committed_schema_still_has_its_type_in_the_code(path: Path) -> None:
    assert path.stem in CURRENT, (
        f"{path.name} is committed but {path.stem!r} is no longer in the code: removing an "
        "event type breaks its consumers; keep the type (deprecate it instead)"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_schema_matches_the_code_exactly(path: Path) -> None:
    if path.stem not in CURRENT:
        pytest.fail(f"{path.stem!r} was removed from the code; see the removed-type test")
    old, new = committed(path), CURRENT[path.stem]
    if old == new:
        return
    problems = breaking_changes(old, new)
    if problems:
        pytest.fail(
            f"{path.name} differs from the code and the change is BREAKING: {problems}; "
            "make the change additive instead of regenerating the schema"
        )
    pytest.fail(
        f"{path.name} differs from the code (additive change): run `make schemas` and "
        "commit contracts/schemas/"
    )


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_the_code_is_a_backward_compatible_evolution_of_every_committed_schema(path: Path) -> None:
    if path.stem not in CURRENT:
        pytest.fail(f"{path.stem!r} was removed from the code: a breaking change")

    problems = breaking_changes(committed(path), CURRENT[path.stem])

    assert problems == [], (
        f"breaking change to the committed {path.name}: {problems}; changes must be additive "
        "(new optional fields, new enum values, new types)"
    )


# --- breaking_changes itself ---------------------------------------------------------


def payment_failed() -> dict[str, Any]:
    return copy.deepcopy(all_schemas()["payment.failed"])


def data_model_of(schema: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = schema["$defs"]["PaymentFailed"]
    return model


def test_an_unchanged_schema_has_no_breaking_changes() -> None:
    assert breaking_changes(payment_failed(), payment_failed()) == []


def test_a_removed_field_is_breaking() -> None:
    new = payment_failed()
    del data_model_of(new)["properties"]["decline_message"]

    assert breaking_changes(payment_failed(), new) == ["data.decline_message: removed"]


def test_a_removed_nested_money_field_is_breaking() -> None:
    new = payment_failed()
    del new["$defs"]["Money"]["properties"]["currency"]
    new["$defs"]["Money"]["required"].remove("currency")

    assert "data.amount.currency: removed" in breaking_changes(payment_failed(), new)


def test_a_field_retyped_from_string_to_integer_is_breaking() -> None:
    new = payment_failed()
    data_model_of(new)["properties"]["decline_code"] = {"title": "Decline Code", "type": "integer"}

    problems = breaking_changes(payment_failed(), new)

    assert len(problems) == 1
    assert problems[0].startswith("data.decline_code: type changed")


def test_a_new_required_field_is_breaking() -> None:
    new = payment_failed()
    data_model_of(new)["properties"]["gateway"] = {"title": "Gateway", "type": "string"}
    data_model_of(new)["required"].append("gateway")

    assert breaking_changes(payment_failed(), new) == ["data.gateway: new required field"]


def test_an_optional_field_that_becomes_required_is_breaking() -> None:
    new = payment_failed()
    data_model_of(new)["required"].append("decline_message")

    assert breaking_changes(payment_failed(), new) == ["data.decline_message: became required"]


def test_a_removed_enum_value_is_breaking() -> None:
    new = payment_failed()
    new["$defs"]["ChargeContext"]["enum"].remove("beach_fee")

    assert breaking_changes(payment_failed(), new) == ["data.context: enum values removed: ['beach_fee']"]


def test_a_new_optional_field_is_not_breaking() -> None:
    new = payment_failed()
    data_model_of(new)["properties"]["network_advice"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
        "title": "Network Advice",
    }

    assert breaking_changes(payment_failed(), new) == []


def test_a_new_enum_value_is_not_breaking() -> None:
    new = payment_failed()
    new["$defs"]["ChargeContext"]["enum"].append("one_off")

    assert breaking_changes(payment_failed(), new) == []


def test_breaking_changes_works_on_a_hand_written_schema() -> None:
    old = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "note": {"type": "string"}},
        "required": ["id"],
    }
    new = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "extra": {"type": "string"}},
        "required": ["id", "extra"],
    }

    assert sorted(breaking_changes(old, new)) == [
        "extra: new required field",
        "id: type changed from ['string'] to ['integer']",
        "note: removed",
    ]


# --- registry ---------------------------------------------------------------------------


def test_every_registered_type_has_a_distinct_event_type() -> None:
    names = [cls.event_type for cls in ALL_TYPES]

    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda cls: cls.event_type)
def test_every_registered_type_is_on_a_known_topic(cls: type[EventData]) -> None:
    assert isinstance(cls.topic, Topic), "a Topic member, not a bare string"


def test_every_type_listed_in_the_design_is_registered() -> None:
    assert sorted(set(DESIGN_TOPICS) - set(BY_TYPE)) == []


@pytest.mark.parametrize("event_type", sorted(DESIGN_TOPICS))
def test_every_design_type_is_on_the_topic_the_design_names(event_type: str) -> None:
    assert event_type in BY_TYPE
    assert BY_TYPE[event_type].topic is DESIGN_TOPICS[event_type]


# --- codec ------------------------------------------------------------------------------


def failed_payment() -> PaymentFailed:
    return PaymentFailed(
        payment_id="pay_1",
        invoice_id="in_1",
        subscription_id="sub_1",
        customer_id="cus_1",
        amount=Money.of(1500, "USD"),
        attempt_number=1,
        attempted_at=T0,
        decline_code="expired_card",
    )


def customer_created() -> CustomerCreated:
    return CustomerCreated(
        customer_id="cus_1", email="ada@example.com", name="Ada", timezone="Europe/Paris", created_at=T0
    )


def test_an_encoded_event_decodes_to_an_equal_event_with_typed_data() -> None:
    event = new_event(failed_payment(), source="/billing", time=T0)

    decoded = decode_event(encode_event(event))

    assert decoded == event
    assert isinstance(decoded.data, PaymentFailed)
    assert decoded.data.amount == Money.of(1500, "USD")
    assert decoded.id == event.id


def test_the_envelope_is_cloudevents_1_0_json() -> None:
    event = new_event(failed_payment(), source="/billing", time=T0)

    document = json.loads(encode_event(event))

    assert document["specversion"] == "1.0"
    assert document["type"] == "payment.failed"
    assert document["source"] == "/billing"
    assert UUID(document["id"]) == event.id
    assert document["data"]["decline_code"] == "expired_card"


def test_each_new_event_gets_a_fresh_id() -> None:
    first = new_event(failed_payment(), source="/billing", time=T0)
    second = new_event(failed_payment(), source="/billing", time=T0)

    assert first.id != second.id


def test_the_time_is_serialised_as_rfc_3339_utc_ending_in_z_even_from_another_timezone() -> None:
    event = new_event(failed_payment(), source="/billing", time=datetime(2026, 3, 1, 14, 0, tzinfo=PLUS_TWO))

    document = json.loads(encode_event(event))

    assert document["time"] == "2026-03-01T12:00:00Z"
    assert decode_event(encode_event(event)).time == T0


def test_subject_and_key_are_the_subscription_id_when_the_data_has_one() -> None:
    event = new_event(failed_payment(), source="/billing", time=T0)

    assert event.subject == "sub_1"
    assert event.key == "sub_1"
    assert json.loads(encode_event(event))["subject"] == "sub_1"


def test_subject_and_key_are_the_customer_id_for_customer_level_events() -> None:
    event = new_event(customer_created(), source="/billing", time=T0)

    assert event.subject == "cus_1"
    assert event.key == "cus_1"


def test_subject_falls_back_to_the_customer_id_when_the_subscription_id_is_empty() -> None:
    notification = NotificationRequested(
        notification_id="ntf_1",
        customer_id="cus_1",
        subscription_id=None,
        to="ada@example.com",
        template_id="card_expiring",
        subject_line="Your card expires soon",
        body_text="Hello",
        requested_at=T0,
    )

    assert new_event(notification, source="/dunning", time=T0).key == "cus_1"


def test_money_is_serialised_as_an_integer_amount_and_a_currency() -> None:
    event = new_event(failed_payment(), source="/billing", time=T0)

    amount = json.loads(encode_event(event))["data"]["amount"]

    assert amount == {"amount": 1500, "currency": "USD"}
    assert type(amount["amount"]) is int


def valid_document() -> dict[str, Any]:
    event = new_event(failed_payment(), source="/billing", time=T0)
    document: dict[str, Any] = json.loads(encode_event(event))
    return document


@pytest.mark.parametrize("raw", [b"\xff\xfe not json", b"{not json", b""], ids=["binary", "broken", "empty"])
def test_decoding_bytes_that_are_not_json_raises_malformed_message(raw: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode_event(raw)


def test_decoding_a_json_array_raises_malformed_message() -> None:
    with pytest.raises(MalformedMessage):
        decode_event(json.dumps([valid_document()]).encode())


def test_decoding_an_envelope_without_an_id_raises_malformed_message_naming_id() -> None:
    document = valid_document()
    del document["id"]

    with pytest.raises(MalformedMessage, match="id"):
        decode_event(json.dumps(document).encode())


def test_decoding_data_missing_a_required_field_raises_malformed_message_naming_the_field() -> None:
    document = valid_document()
    del document["data"]["decline_code"]

    with pytest.raises(MalformedMessage, match="decline_code"):
        decode_event(json.dumps(document).encode())


def test_decoding_money_with_a_float_amount_raises_malformed_message() -> None:
    document = valid_document()
    document["data"]["amount"]["amount"] = 15.0

    with pytest.raises(MalformedMessage, match="amount"):
        decode_event(json.dumps(document).encode())


def test_decoding_a_well_formed_event_of_an_unknown_type_raises_unknown_event_type() -> None:
    document = valid_document()
    document["type"] = "something.new"

    with pytest.raises(UnknownEventType, match=r"something\.new"):
        decode_event(json.dumps(document).encode())


def test_decoding_ignores_data_fields_added_by_a_newer_producer() -> None:
    document = valid_document()
    document["data"]["network_advice"] = "retry_later"

    decoded = decode_event(json.dumps(document).encode())

    assert decoded.data == failed_payment()


def test_new_event_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        new_event(failed_payment(), source="/billing", time=datetime(2026, 3, 1, 12, 0))


def _variants() -> dict[str, dict[str, Any]]:
    """Documents on either side of the line between well-formed and malformed."""

    def changed(change: Any) -> dict[str, Any]:
        document = valid_document()
        change(document)
        return document

    return {
        "as written": valid_document(),
        "amount as a float": changed(lambda d: d["data"]["amount"].update(amount=1500.0)),
        "amount as a string": changed(lambda d: d["data"]["amount"].update(amount="1500")),
        "attempt as a float": changed(lambda d: d["data"].update(attempt_number=1.0)),
        "attempt as a string": changed(lambda d: d["data"].update(attempt_number="1")),
        "attempt of one and a half": changed(lambda d: d["data"].update(attempt_number=1.5)),
        "time as a number": changed(lambda d: d.update(time=1_700_000_000)),
        "naive time": changed(lambda d: d.update(time="2026-03-01T12:00:00")),
        "another offset": changed(lambda d: d["data"].update(attempted_at="2026-03-01T13:00:00+01:00")),
        "a sequence of 0": changed(lambda d: d["data"].update(sequence=0)),
        "a field added": changed(lambda d: d["data"].update(network_advice="retry_later")),
        "an unknown type": changed(lambda d: d.update(type="something.new")),
        "a type inside data first": {"data": {"type": "payment.succeeded", **valid_document()["data"]}}
        | {k: v for k, v in valid_document().items() if k != "data"},
        "data as a list": changed(lambda d: d.update(data=[])),
        "another specversion": changed(lambda d: d.update(specversion="0.3")),
    }


def _verdict(raw: bytes | str) -> tuple[str, Any]:
    try:
        event = decode_event(raw)
    except (MalformedMessage, UnknownEventType) as exc:
        return type(exc).__name__, str(exc)
    return "event", (event, type(event.data))


@pytest.mark.parametrize(("name", "document"), list(_variants().items()), ids=list(_variants()))
def test_bytes_decode_in_one_pass_to_the_same_verdict_as_the_long_way(
    name: str, document: dict[str, Any]
) -> None:
    """Bytes of a known type are decoded by pydantic's JSON parser in one pass; text
    always takes the long way (`json.loads`, the envelope, then the data). Both must say
    the same: the same event, or the same error."""
    text = json.dumps(document)

    assert _verdict(text.encode()) == _verdict(text), name
