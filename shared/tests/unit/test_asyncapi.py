"""The committed AsyncAPI document is the one the code generates."""

from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.asyncapi import asyncapi_document

COMMITTED = Path(__file__).resolve().parents[3] / "contracts" / "asyncapi.json"


def test_the_committed_asyncapi_document_matches_the_code() -> None:
    committed = json.loads(COMMITTED.read_text())
    assert committed == asyncapi_document(), "run `make schemas` and commit contracts/"
