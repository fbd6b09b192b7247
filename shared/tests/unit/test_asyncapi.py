"""The committed AsyncAPI document is the one the code generates."""

from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.asyncapi import asyncapi_document
from shared.contracts.registry import ALL_TYPES

COMMITTED = Path(__file__).resolve().parents[3] / "contracts" / "asyncapi.json"


def test_the_committed_asyncapi_document_matches_the_code() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == asyncapi_document(), "run `make schemas` and commit contracts/"


def test_every_event_type_is_documented_on_its_topic() -> None:
    document = asyncapi_document()
    for model in ALL_TYPES:
        channel = document["channels"][model.topic.value.replace(".", "_")]
        assert channel["address"] == model.topic.value
        assert model.event_type.replace(".", "_") in channel["messages"]
