"""An independent consumer of the services' topics: the live event count and what customers receive.

The driver reacts to what the services actually did (a reminder lands, a beach offer
arrives), as a real customer would, so it reads the same events any other consumer
reads. It pins every partition's end offset before the run starts, so an old stack's
history is never counted and nothing published during the run is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

TOPICS = ("billing.events", "dunning.events", "pause.events", "notifications", "billing.commands")


@dataclass(frozen=True)
class Reminder:
    """A `dunning.reminder_sent`, in the words the driver needs."""

    case_id: str
    subscription_id: str
    reminder_number: int
    template_id: str
    sent_at: str
    case_number: int = 1
    """The subscription's first, second, … case in this run: case ids are random, this is not."""


@dataclass
class EventWatcher:
    bootstrap: str = field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    counts: Counter[str] = field(default_factory=Counter)
    variants: dict[str, str] = field(default_factory=dict)  # subscription id -> case variant
    decline_codes: dict[str, str] = field(default_factory=dict)  # case id -> decline code
    closed: dict[str, str] = field(default_factory=dict)  # subscription id -> last case outcome
    canceled_by: dict[str, str] = field(default_factory=dict)  # subscription id -> who asked to cancel
    open_cases: dict[str, str] = field(default_factory=dict)  # case id -> opened_at, until it closes
    case_numbers: dict[str, int] = field(default_factory=dict)  # case id -> its subscription's nth case
    _cases: Counter[str] = field(default_factory=Counter)  # subscription id -> cases opened
    _reminders: list[Reminder] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False)
        try:
            await consumer.start()
        except Exception as error:
            await consumer.stop()
            raise RuntimeError(
                f"the broker at {self.bootstrap} is not reachable ({error}); set KAFKA_BOOTSTRAP_SERVERS"
            ) from error
        await consumer.topics()
        partitions = [
            TopicPartition(topic, number)
            for topic in TOPICS
            for number in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:
            await consumer.position(partition)  # pins "now" before the driver acts
        self._consumer = consumer
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batches.values():
                for record in records:
                    self._seen(json.loads(record.value))

    def _seen(self, event: dict[str, Any]) -> None:
        kind, data = str(event.get("type")), event.get("data") or {}
        self.counts[kind] += 1
        if kind == "dunning.case_opened":
            self.variants[data["subscription_id"]] = data["variant"]
            self.decline_codes[data["case_id"]] = data["decline_code"]
            self._cases[data["subscription_id"]] += 1
            self.case_numbers[data["case_id"]] = self._cases[data["subscription_id"]]
            self.open_cases[data["case_id"]] = data["opened_at"]
        elif kind == "dunning.case_closed":
            self.closed[data["subscription_id"]] = data["outcome"]
            self.open_cases.pop(data["case_id"], None)
        elif kind == "subscription.canceled":
            self.canceled_by[data["subscription_id"]] = data.get("requested_by") or ""
        elif kind == "dunning.reminder_sent":
            self._reminders.append(
                Reminder(
                    data["case_id"], data["subscription_id"], data["reminder_number"], data["template_id"],
                    data["sent_at"], self.case_numbers.get(data["case_id"], 1),
                )
            )  # fmt: skip

    def open_before(self, moment: datetime) -> list[str]:
        """Cases opened before `moment` that are still open."""
        return [case for case, at in self.open_cases.items() if datetime.fromisoformat(at) < moment]

    def take_reminders(self) -> list[Reminder]:
        taken, self._reminders = self._reminders, []
        return taken

    async def settle(self, quiet_for: float = 0.6, timeout: float = 10) -> None:
        """Wait until nothing new has arrived for a moment: the relays have caught up."""
        waited, last = 0.0, sum(self.counts.values())
        while waited < timeout:
            await asyncio.sleep(quiet_for)
            waited += quiet_for
            now = sum(self.counts.values())
            if now == last:
                return
            last = now

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def live(self) -> str:
        total = sum(self.counts.values())
        top = ", ".join(f"{k} {v}" for k, v in self.counts.most_common(3))
        return f"{total} events ({top})" if total else "0 events"
