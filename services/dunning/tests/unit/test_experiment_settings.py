"""`DUNNING_EXPERIMENT` with the built-in holdout, and a weight for no policy refused at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dunning.domain.policy import HOLDOUT
from dunning.settings import DunningSettings
from shared.testing.services import settings_for


def test_the_holdout_is_a_variant_like_any_other() -> None:
    book = settings_for(DunningSettings, DUNNING_EXPERIMENT='{"gentle": 90, "holdout": 10}').policy_book()

    chosen = {book.for_new_case(f"cus_{n}").variant for n in range(200)}

    assert chosen == {"gentle", "holdout"}
    assert book.for_case("holdout-v1") is HOLDOUT
    assert book.for_new_case("cus_7") == book.for_new_case("cus_7")
    assert not HOLDOUT.sends_messages


def test_a_weight_for_a_variant_without_a_policy_stops_the_start_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match=r"DUNNING_EXPERIMENT.*holdout2"):
        settings_for(DunningSettings, DUNNING_EXPERIMENT='{"gentle": 90, "holdout2": 10}')
