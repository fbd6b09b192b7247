"""The tables every service has in its own database: outbox, inbox, and their bookkeeping.

Besides the outbox and the inbox:
- `event_sequences` numbers each subject's events, so a consumer can tell an old fact
  replayed late from a new one;
- `delivery_counts` keeps durable counts of what was published and consumed per topic,
  which the test clock compares (they survive a restart; in-memory counters did not);
- `clock_state` holds the simulated time under `CLOCK=test`, so a restarted service
  resumes where the shared clock stood;
- `idempotent_requests` keeps each `Idempotency-Key`'s answer (billing and pause);
- `broker_marks` remembers the last record the relay saw acknowledged on each partition,
  so it notices when the broker lost what it had acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text, false

from shared.db.metadata import UtcDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_Id = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    sequences: Table
    counts: Table
    clock: Table
    broker_marks: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    return MessagingTables(
        _outbox(metadata), _inbox(metadata), *_counters(metadata), *_clock_and_broker(metadata)
    )


def _outbox(metadata: MetaData) -> Table:
    return Table(
        "outbox_messages",
        metadata,
        Column("id", _Id, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(100), nullable=False),
        Column("message_key", String(100), nullable=True),
        Column("event_type", String(100), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Column("first_published_at", UtcDateTime, nullable=True),
        Column("traceparent", String(55), nullable=True),
        Index("ix_outbox_messages_unpublished", "published_at", "id"),
    )


def _inbox(metadata: MetaData) -> Table:
    return Table(
        "inbox_messages",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
        Column("dead_lettered", Boolean, nullable=False, server_default=false()),
    )


def _counters(metadata: MetaData) -> tuple[Table, Table]:
    sequences = Table(
        "event_sequences",
        metadata,
        Column("subject", String(100), primary_key=True),
        Column("last", BigInteger, nullable=False),
    )
    counts = Table(
        "delivery_counts",
        metadata,
        Column("name", String(200), primary_key=True),
        Column("count", BigInteger, nullable=False),
    )
    return sequences, counts


def _clock_and_broker(metadata: MetaData) -> tuple[Table, Table]:
    clock = Table(
        "clock_state",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("now", UtcDateTime, nullable=False),
    )
    broker_marks = Table(
        "broker_marks",
        metadata,
        Column("topic", String(100), primary_key=True),
        Column("partition", Integer, primary_key=True, autoincrement=False),
        Column("offset", BigInteger, nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("batch_base", BigInteger, nullable=False),
    )
    return clock, broker_marks


def idempotency_table(metadata: MetaData) -> Table:
    """The answers `shared.http.idempotency` keeps by `Idempotency-Key`, here with the other
    shared tables so a migration can load the schema without the HTTP stack."""
    return Table(
        "idempotent_requests",
        metadata,
        Column("key", String(200), primary_key=True),
        Column("route", String(300), nullable=False, server_default=""),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )
