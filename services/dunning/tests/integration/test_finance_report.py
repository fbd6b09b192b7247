"""The finance report's aggregates on SQLite and PostgreSQL: methods, cohorts, lift.

The cases are made by the domain as the services make them, stored by the repository,
and the report is checked against what the list of cases says by hand.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dunning.adapters.case_queries import FinanceQueries
from dunning.adapters.orm import messaging
from dunning.adapters.report import DunningReport, GroupBy
from dunning.adapters.report_csv import as_csv
from dunning.adapters.unit_of_work import SqlDunningUnitOfWork
from dunning.domain.case import DunningCase
from dunning.domain.case_facts import RetryReason
from dunning.domain.policy import GENTLE, HOLDOUT
from dunning.entrypoints.web import attribution
from shared.clock import TestClock
from shared.contracts.dunning import CaseOutcome
from shared.db import create_engine
from shared.db.migrations import upgrade
from shared.http.report_period import END_OF_TIME, ReportPeriod
from shared.inbox import Inbox
from shared.money import Money
from shared.outbox import Outbox
from shared.outbox.sequences import EventSequences
from shared.testing.databases import DatabaseFactory

MARCH = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def a_case(n: int, opened_at: datetime, *, holdout: bool = False, amount: int = 1500) -> DunningCase:
    return DunningCase.open(
        case_id=f"dc_{n}", subscription_id=f"sub_{n}", customer_id=f"cus_{n}", invoice_id=f"in_{n}",
        amount_due=Money.of(amount, "USD"), decline_code="expired_card", failed_at=opened_at,
        timezone="UTC", policy=HOLDOUT if holdout else GENTLE, failed_card="pm_old",
    )  # fmt: skip


def checked(case: DunningCase, stayed: bool) -> DunningCase:
    assert case.closed_at is not None
    case.record_retention(case.closed_at + 30 * DAY, stayed)
    return case


def the_cases() -> list[DunningCase]:
    by_updater = a_case(1, MARCH)
    by_updater.card_updated(MARCH + 2 * DAY, "pm_new", "card_updater")
    by_updater.record_retry(MARCH + 2 * DAY, RetryReason.CARD_UPDATED)
    by_updater.recover(MARCH + 2 * DAY)
    silent = a_case(2, MARCH)
    silent.record_retry(MARCH + 3 * DAY, RetryReason.THREE_DAYS)
    silent.recover(MARCH + 3 * DAY)
    reminded = a_case(3, MARCH, amount=3000)
    reminded.record_reminder(MARCH + 4 * DAY, "dunning.card_update.1")
    reminded.record_retry(MARCH + 5 * DAY, RetryReason.SPACED)
    reminded.recover(MARCH + 5 * DAY)
    paused = a_case(4, MARCH)
    paused.close(CaseOutcome.PAUSED, MARCH + 21 * DAY)
    paid_otherwise = a_case(5, MARCH, holdout=True)
    paid_otherwise.recover(MARCH + 4 * DAY)
    canceled = a_case(6, MARCH, holdout=True)
    canceled.close(CaseOutcome.CANCELED, MARCH + 21 * DAY)
    still_open = a_case(7, APRIL)
    by_customer = a_case(8, APRIL, holdout=True)
    by_customer.card_updated(APRIL + DAY, "pm_new", "customer")
    by_customer.record_retry(APRIL + DAY, RetryReason.CARD_UPDATED)
    by_customer.recover(APRIL + DAY)
    return [
        checked(by_updater, True), checked(silent, True), checked(reminded, False),
        checked(paused, True), checked(paid_otherwise, True), canceled, still_open, by_customer,
    ]  # fmt: skip


@pytest.fixture
async def engine(each_database: DatabaseFactory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await each_database.new("dunning_report"))
    await upgrade(engine, "dunning")
    clock = TestClock(APRIL)
    for case in the_cases():  # one at a time: a batch of new cases shares its columns
        work = SqlDunningUnitOfWork(
            engine, outbox=Outbox(messaging.outbox), inbox=Inbox(messaging.inbox, clock),
            sequences=EventSequences(messaging.sequences), clock=clock, source="/dunning",
        )  # fmt: skip
        async with work:
            await work.cases.add(case, None)
            await work.commit()
    yield engine
    await engine.dispose()


async def report(engine: AsyncEngine, group_by: GroupBy) -> DunningReport:
    period = ReportPeriod.parse(None, None, default_end=END_OF_TIME)
    return await FinanceQueries(engine).report(period, group_by)


async def test_each_recovery_is_counted_under_its_method(engine: AsyncEngine) -> None:
    found = await report(engine, "recovery_method")

    assert {g.group: g.cases for g in found.groups} == {
        "card_updater": 1, "silent_retry": 1, "retry_after_reminder": 1, "paid_otherwise": 1,
        "customer_card_update": 1, "paused": 1, "canceled": 1, "open": 1,
    }  # fmt: skip
    methods = found.total.recovery_methods
    assert {m: n for m, n in methods.items() if n} == {
        "card_updater": 1, "silent_retry": 1, "retry_after_reminder": 1, "paid_otherwise": 1,
        "customer_card_update": 1,
    }  # fmt: skip
    assert found.total.recovered_amount == [Money.of(9000, "USD")]
    assert found.total.median_days_to_recover == 3


async def test_a_cohort_is_complete_once_every_case_is_closed_and_checked(engine: AsyncEngine) -> None:
    march, april = (await report(engine, "cohort")).groups

    assert (march.group, march.complete, march.retention_checked, march.retained_30d) == (
        "2026-03",
        True,
        5,
        4,
    )
    assert (april.group, april.complete, april.retention_checked, april.retained_30d) == (
        "2026-04",
        False,
        0,
        0,
    )


async def test_the_lift_per_cohort_and_in_total_adds_up_from_the_cases(engine: AsyncEngine) -> None:
    found = await report(engine, "cohort")

    [march] = found.groups[0].lift
    # March: gentle recovered 3 of 4 cases, 6000 in all; the holdout 1 of 2, 1500.
    assert (march.variant, march.cases, march.holdout_cases) == ("gentle", 4, 2)
    assert march.recovery_rate.estimate == pytest.approx(3 / 4 - 1 / 2)
    [usd] = march.recovered_per_case
    assert usd.estimate == pytest.approx(6000 / 4 - 1500 / 2)
    assert usd.low is not None
    assert usd.high is not None
    assert usd.low < usd.estimate < usd.high
    [total] = found.total.lift
    assert (total.cases, total.holdout_cases) == (5, 3)
    assert total.recovery_rate.estimate == pytest.approx(3 / 5 - 2 / 3, abs=1e-6)


async def test_the_csv_has_a_row_per_group_with_the_same_numbers(engine: AsyncEngine) -> None:
    found = await report(engine, "cohort")

    rows = {row["group"]: row for row in csv.DictReader(io.StringIO(as_csv(found)))}

    assert list(rows) == ["2026-03", "2026-04", "total"]
    assert (rows["2026-03"]["complete"], rows["2026-04"]["complete"]) == ("true", "false")
    assert rows["total"]["method_card_updater"] == "1"
    assert rows["total"]["retained_30d"] == "4"
    assert float(rows["total"]["lift_gentle_recovery_rate"]) == pytest.approx(3 / 5 - 2 / 3, abs=1e-6)
    assert rows["2026-03"]["lift_gentle_recovered_per_case"].startswith("USD 750.0 [")


async def test_the_dashboard_draws_each_cohorts_methods_greys_the_incomplete_and_shows_the_lift(
    engine: AsyncEngine,
) -> None:
    cohorts = await report(engine, "cohort")

    bars = attribution.methods_by_cohort(cohorts)
    march, april = re.findall(r'<g data-cohort="([^"]+)" data-complete="(\w+)" opacity="([\d.]+)"', bars)
    assert march == ("2026-03", "true", "1.0")
    assert april == ("2026-04", "false", str(attribution.PALE))
    assert "2026-04 (incomplete)" in bars
    drawn = re.findall(r'data-method="(\w+)" data-count="(\d+)"', bars)
    assert sorted(drawn) == sorted(
        [("card_updater", "1"), ("silent_retry", "1"), ("retry_after_reminder", "1"),
         ("paid_otherwise", "1"), ("customer_card_update", "1")]
    )  # fmt: skip
    chart = attribution.lift_chart(cohorts)
    [(variant, estimate, low, high)] = re.findall(
        r'<g data-variant="(\w+)" data-estimate="([-\d.e]+)" data-low="([-\d.e]*)" data-high="([-\d.e]*)"',
        chart,
    )
    assert variant == "gentle"
    assert float(estimate) == pytest.approx(3 / 5 - 2 / 3, abs=1e-6)
    assert float(low) < float(estimate) < float(high)
    assert 'data-part="interval"' in chart
    [per_case] = re.findall(r'data-part="per-case">([^<]+)<', chart)
    assert per_case.startswith("USD +2.00 (")  # 6000/5 - 3000/3 minor units per case: 2.00 USD
