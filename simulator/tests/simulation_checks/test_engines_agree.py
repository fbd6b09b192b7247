"""The model and the real stack, on the same 20 customers over 3 months, agree within a tolerance.

Both engines see the same population: everyone subscribes at the run's first moment
(the only way the stack can start a subscription), renewals fall on that day of each
month, and the run is 3 calendar months from it, every case followed to its end. The
stack's clock starts at a fixed moment (`TEST_CLOCK_START`), never at today's date: the
test once failed only because it was run on 1 December, when 3 calendar months are 90
days and the third renewal fell inside the run's 91 days; a November start pushed it
outside. It runs from the model's own start, and from a 1 December, to keep that
calendar covered.

Twenty customers give a handful of dunning cases, so the tolerance is wide (0.35 on
rates): this catches an engine that misreads a policy or an API, not a percentage point.
Soft declines, short balances, new cards after reminders and the dunning beach offer
are switched on, at rates high enough to happen among 20 customers. Annoyance is off:
with a handful of reminders, one annoyed customer more or less moves the recovery rate by
more than the tolerance (`test_stack_reactions.py` checks the driver's annoyance).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from tests.e2e.stack import running_stack

from shared.testing.databases import DatabaseFactory
from simulator.assumptions import DEFAULT_ASSUMPTIONS
from simulator.metrics import recovery_methods, summarize
from simulator.model.runner import ModelRun, run_model
from simulator.population import RUN_START
from simulator.stack.actions import StackRun
from simulator.stack.driver import drive

TOLERANCE = 0.35
DECEMBER_FIRST = datetime(2026, 12, 1, 13, 48, tzinfo=UTC)
"""The wall-clock moment the test first failed on: renewals on the 1st, which is a payday."""
BUSY_WORLD = replace(
    DEFAULT_ASSUMPTIONS,
    card_expires_share=0.9,
    card_lost_share=0.1,
    insufficient_funds_per_renewal=0.15,
    soft_decline_per_renewal=0.05,
    annoyance_per_reminder=0.0,
    update_after_reminder=0.2,
    new_card_after_request=0.5,
    takes_dunning_offer_share=0.5,
    wants_break_per_month=0.2,
)


@pytest.mark.stack
@pytest.mark.timeout(240)
@pytest.mark.parametrize("start", [RUN_START, DECEMBER_FIRST], ids=["model-start", "december-first"])
async def test_stack_and_model_agree_on_a_small_population(
    start: datetime, kafka: str, databases: DatabaseFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment = {"DUNNING_EXPERIMENT": '{"gentle": 100}', "TEST_CLOCK_START": start.isoformat()}
    async with running_stack(kafka, databases, tmp_path, experiment) as stack:
        monkeypatch.setenv("BILLING_URL", stack.url)
        monkeypatch.setenv("DUNNING_URL", stack.dunning_url)
        monkeypatch.setenv("PAUSE_URL", stack.pause_url)
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka)
        monkeypatch.setenv("DUNNING_EXPERIMENT", experiment["DUNNING_EXPERIMENT"])
        run = StackRun(20, 3, seed=11, variants=("gentle",), assumptions=BUSY_WORLD)
        results = await drive(run, Console(quiet=True))
        on_stack = summarize(results.tallies[0]["gentle"])
    model_run = ModelRun(20, 3, 11, ("gentle",), BUSY_WORLD, subscribed_at_start=True, start=start)
    model_tally = run_model(model_run, workers=1)["gentle"]
    modelled = summarize(model_tally)
    methods_on_stack = recovery_methods(results.tallies[0]["gentle"])
    methods_modelled = recovery_methods(model_tally)
    print(
        "stack", on_stack, methods_on_stack, "\nmodel", modelled, methods_modelled, "\nnotes", results.notes
    )
    for metric in ("recovery_rate", "pause_take_up", "involuntary_churn", "voluntary_churn"):
        assert abs(on_stack[metric] - modelled[metric]) <= TOLERANCE, (
            metric,
            on_stack,
            modelled,
            results.notes,
            results.measured,
        )
    # Both engines credit every recovery to a cause, in dunning's vocabulary, and alike.
    for methods in (methods_on_stack, methods_modelled):
        assert sum(methods.values()) == pytest.approx(1.0)
    for method in set(methods_on_stack) | set(methods_modelled):
        share_on_stack, share_modelled = methods_on_stack.get(method, 0.0), methods_modelled.get(method, 0.0)
        assert abs(share_on_stack - share_modelled) <= TOLERANCE, (method, methods_on_stack, methods_modelled)
