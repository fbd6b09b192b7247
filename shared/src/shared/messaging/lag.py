"""Consumer lag: how far each consumer group's committed offsets trail its partitions' ends.

Read from the broker when Prometheus scrapes, with one admin client (for the groups'
committed offsets) and one consumer outside any group (for the partitions' ends), both
kept for the life of the service. A partition the group never committed on counts from
its first offset, as the consumers start there (`auto_offset_reset="earliest"`).

On the embedded broker (Tansu) the end offset after a batched write is the last batch's
first offset + 1 (DESIGN.md, "measured quirks"), so lag there reads low by up to one
batch; the test clock does not use it for that reason. The metric's help text says so.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.metrics import CONSUMER_LAG


def lag_by_partition(
    ends: Mapping[TopicPartition, int],
    starts: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """Messages past the committed offset on each partition, never below zero (a broker
    that under-reports its end can put it behind a commit)."""
    return {
        tp: max(0, end - (committed[tp] if committed.get(tp, -1) >= 0 else starts.get(tp, 0)))
        for tp, end in ends.items()
    }


class ConsumerLag:
    def __init__(self, bootstrap_servers: str, topics_by_group: Mapping[str, str]) -> None:
        """`topics_by_group`: each consumer group (a consumer's name) and the topic it reads."""
        self.bootstrap_servers = bootstrap_servers.split(",")
        self.topics_by_group = dict(topics_by_group)
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._stale = False

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._stale or self._admin is None or self._consumer is None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(self.stop(), timeout=2)
            self._admin = self._consumer = None
            self._stale = False
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers, group_id=None, enable_auto_commit=False
            )
            await admin.start()
            self._admin = admin
            await consumer.start()
            self._consumer = consumer
        return self._admin, self._consumer

    async def measure(self) -> None:
        """Set `consumer_lag_messages` for every partition of every group's topic."""
        if not self.topics_by_group:
            return
        try:
            await self._measure(*await self._clients())
        except BaseException:
            # After a broker restart the clients may never answer again: the next reading
            # builds new ones. Not stopped here, where a timeout may be cancelling us.
            self._stale = True
            raise

    async def _measure(self, admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> None:
        cluster = await consumer._client.fetch_all_metadata()
        for group, topic in self.topics_by_group.items():
            partitions = [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())]
            if not partitions:
                continue
            offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
            committed = {tp: meta.offset for tp, meta in offsets.items()}
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            for tp, lag in lag_by_partition(ends, starts, committed).items():
                CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(lag)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        if self._admin is not None:
            await self._admin.close()
            self._admin = None
