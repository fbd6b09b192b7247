"""The committed AsyncAPI document is the one the code generates, and outside tools accept it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from shared.contracts.asyncapi import asyncapi_document
from shared.contracts.wire import CLOUDEVENTS_JSON, DEAD_LETTER_HEADERS
from shared.messaging.dead_letters import SourceInfo, dead_letter_headers

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "contracts" / "asyncapi.json"
PARSER = REPO / "tools" / "asyncapi"
DOCUMENT = asyncapi_document()


def test_the_committed_asyncapi_document_matches_the_code() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == DOCUMENT, "run `make schemas` and commit contracts/"


def _parser_or_skip() -> str:
    """Node.js with the pinned parser; missing, the test skips, or fails in CI."""
    node = shutil.which("node")
    if node and (PARSER / "node_modules" / "@asyncapi" / "parser").is_dir():
        return node
    missing = "node is not installed" if node is None else "the AsyncAPI parser is not installed"
    missing += " (`make test` or `make check-asyncapi` installs it with npm)"
    if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(f"{missing}; REQUIRE_REAL_SERVICES=1 forbids skipping this test")
    pytest.skip(missing)


def test_the_official_asyncapi_parser_finds_no_error_in_the_committed_document() -> None:
    node = _parser_or_skip()
    run = subprocess.run(
        [node, str(PARSER / "validate.cjs"), str(COMMITTED)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert ": 0 errors" in run.stdout, run.stdout


def _resolved(ref: str) -> jsonschema.Draft202012Validator:
    """A validator for `ref`, whose refs resolve from the document's root as AsyncAPI tools do."""
    return jsonschema.Draft202012Validator({"$ref": ref, "components": DOCUMENT["components"]})


@pytest.mark.parametrize("name", sorted(DOCUMENT["components"]["messages"]))
def test_every_message_has_its_kafka_key_headers_and_a_valid_example(name: str) -> None:
    message: dict[str, Any] = DOCUMENT["components"]["messages"][name]
    key = message["bindings"]["kafka"]["key"]
    assert key["type"] == "string"
    assert "id" in key["description"]
    assert message["examples"], f"{name} has no example"
    for example in message["examples"]:
        assert example["headers"]["content-type"] == CLOUDEVENTS_JSON
        assert not [h for h in example["headers"] if h.startswith("ce_")], "structured mode: no ce_ headers"
        _resolved(message["headers"]["$ref"]).validate(example["headers"])
        if "$ref" in message["payload"]:
            _resolved(message["payload"]["$ref"]).validate(example["payload"])
            # the key the document names is the one the relay uses: the event's subject
            named = (
                "subscription_id" if key["description"].startswith("The subscription id") else "customer_id"
            )
            assert example["payload"]["subject"] == example["payload"]["data"][named]


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    message = DOCUMENT["components"]["messages"]["customer_created"]
    broken = json.loads(json.dumps(message["examples"][0]["payload"]))
    broken["data"]["email"] = 5
    with pytest.raises(jsonschema.ValidationError):
        _resolved(message["payload"]["$ref"]).validate(broken)


def test_the_documented_dead_letter_headers_are_the_ones_consumers_write() -> None:
    source = SourceInfo("billing.events", 2, 1041, b"sub_1", content_type=CLOUDEVENTS_JSON)
    headers = dead_letter_headers(
        source, consumer="pause.billing-events", kind="malformed", reason="x", attempts=1
    )
    jsonschema.validate(headers, DEAD_LETTER_HEADERS)
    assert set(headers) == set(DEAD_LETTER_HEADERS["properties"])
    assert headers["content-type"] == CLOUDEVENTS_JSON
