"""The model engine on a few thousand customers: fast, deterministic, and telling the story."""

from __future__ import annotations

import pytest

from simulator.metrics import summarize
from simulator.model.runner import ModelRun, run_model
from simulator.model.tally import Tally

CUSTOMERS = 3000


@pytest.fixture(scope="module")
def year() -> dict[str, Tally]:
    return run_model(ModelRun(CUSTOMERS, 12, seed=7, variants=("gentle", "aggressive")), workers=1)


def test_the_same_seed_gives_the_same_year() -> None:
    run = ModelRun(300, 6, seed=3, variants=("gentle",))
    assert run_model(run, workers=1) == run_model(run, workers=1)


def test_splitting_the_work_over_processes_changes_nothing() -> None:
    run = ModelRun(4100, 2, seed=5, variants=("gentle",))
    assert run_model(run, workers=1) == run_model(run, workers=2)


def test_another_seed_gives_another_year() -> None:
    first = run_model(ModelRun(300, 6, seed=3, variants=("gentle",)), workers=1)
    second = run_model(ModelRun(300, 6, seed=4, variants=("gentle",)), workers=1)
    assert first != second


def test_gentle_sends_several_times_fewer_reminders_per_recovered_case(year: dict[str, Tally]) -> None:
    gentle, aggressive = summarize(year["gentle"]), summarize(year["aggressive"])
    assert gentle["reminders_per_recovered"] * 3 < aggressive["reminders_per_recovered"]


def test_gentle_recovers_as_much_or_more_revenue(year: dict[str, Tally]) -> None:
    gentle, aggressive = summarize(year["gentle"]), summarize(year["aggressive"])
    assert gentle["recovered_usd"] >= aggressive["recovered_usd"]
    assert year["gentle"]["recovered_cases"] >= year["aggressive"]["recovered_cases"]


def test_gentle_recovers_some_cases_without_any_contact(year: dict[str, Tally]) -> None:
    assert 0.1 < summarize(year["gentle"])["zero_contact_share"] < 0.5
    assert year["aggressive"]["zero_contact_recoveries"] == 0


def test_aggressive_reminders_annoy_more_customers_into_leaving(year: dict[str, Tally]) -> None:
    assert year["aggressive"]["churn_annoyed"] > 2 * year["gentle"]["churn_annoyed"]


def test_the_pause_turns_would_be_cancellations_into_returns(year: dict[str, Tally]) -> None:
    gentle = year["gentle"]
    assert gentle["cancel_intents"] > 0
    returned_share = gentle["returned_after_pause"] / gentle["cancel_intents"]
    assert returned_share > 0.2
    assert 0.6 < summarize(gentle)["return_after_pause"] < 0.9


def test_pause_fees_are_charged_in_the_plan_currency(year: dict[str, Tally]) -> None:
    assert year["gentle"]["pause_fees:USD"] > 0
    assert year["gentle"]["pause_fees:USD"] % 100 == 0


def test_an_unknown_policy_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown policy 'nagging'"):
        run_model(ModelRun(10, 1, seed=1, variants=("nagging",)), workers=1)
