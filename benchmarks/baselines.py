"""Raw PostgreSQL write baselines for the billing run, on the run's own database.

A scratch table about as wide as a subscription row (24 columns: ids, amounts,
currencies, moments), written with no product code in the way: batches of 200 rows by
executemany, one transaction each, and single rows with a commit each.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

BATCH = 200
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def scratch_table(name: str) -> Table:
    strings: list[Column[Any]] = [Column(f"s{i}", String(40), nullable=False) for i in range(8)]
    amounts: list[Column[Any]] = [Column(f"a{i}", BigInteger, nullable=False) for i in range(3)]
    currencies: list[Column[Any]] = [Column(f"c{i}", String(3), nullable=False) for i in range(3)]
    moments: list[Column[Any]] = [Column(f"t{i}", DateTime(timezone=True), nullable=True) for i in range(7)]
    counts: list[Column[Any]] = [Column(f"n{i}", Integer, nullable=False) for i in range(2)]
    columns = [*strings, *amounts, *currencies, *moments, *counts]
    return Table(name, MetaData(), Column("id", String(40), primary_key=True), *columns)


def scratch_row(table: Table, n: int) -> dict[str, object]:
    row: dict[str, object] = {"id": f"row_{n:012d}"}
    for column in table.columns:
        if column.name.startswith("s"):
            row[column.name] = f"{column.name}_{n:020d}"
        elif column.name.startswith("a"):
            row[column.name] = 1500 + n
        elif column.name.startswith("c"):
            row[column.name] = "EUR"
        elif column.name.startswith("t"):
            row[column.name] = MOMENT + timedelta(seconds=n) if column.name < "t5" else None
        elif column.name.startswith("n"):
            row[column.name] = n % 7
    return row


async def _fresh(engine: AsyncEngine, name: str) -> Table:
    table = scratch_table(name)
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    return table


async def batched_inserts(engine: AsyncEngine, n: int) -> float:
    """Rows a second: `n` rows, executemany in batches of 200, a commit per batch."""
    table = await _fresh(engine, "bench_batched")
    rows = [scratch_row(table, i) for i in range(n)]
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        async with engine.begin() as conn:
            await conn.execute(insert(table), rows[start : start + BATCH])
    return n / (time.perf_counter() - started)


async def single_commits(engine: AsyncEngine, n: int) -> float:
    """Rows a second: one INSERT and one COMMIT per row."""
    table = await _fresh(engine, "bench_single")
    rows = [scratch_row(table, i) for i in range(n)]
    started = time.perf_counter()
    for row in rows:
        async with engine.begin() as conn:
            await conn.execute(insert(table).values(**row))
    return n / (time.perf_counter() - started)
