"""A plain SQL unit of work on a service's messaging tables, for the shared tests that
exercise the outbox, the inbox and the connections themselves rather than a service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import TestClock
from shared.db.tables import MessagingTables
from shared.inbox import Inbox
from shared.outbox import Outbox
from shared.outbox.sequences import EventSequences
from shared.unit_of_work import SqlUnitOfWork


def sql_unit_of_work(engine: AsyncEngine, tables: MessagingTables, at: datetime) -> SqlUnitOfWork:
    clock = TestClock(at)
    return SqlUnitOfWork(
        engine,
        outbox=Outbox(tables.outbox),
        inbox=Inbox(tables.inbox, clock),
        sequences=EventSequences(tables.sequences),
        clock=clock,
        source="/billing",
    )
