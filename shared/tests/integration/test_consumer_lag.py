"""Consumer lag as the broker reports it: committed offsets against the partitions' ends."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from shared.messaging.lag import ConsumerLag, lag_by_partition
from shared.messaging.topics import TopicSpec, ensure_topics

pytestmark = pytest.mark.broker


def lag(group: str, topic: str, partition: int) -> float | None:
    labels = {"group": group, "topic": topic, "partition": str(partition)}
    return REGISTRY.get_sample_value("consumer_lag_messages", labels)


async def test_lag_is_what_each_partition_holds_past_the_groups_committed_offset(kafka: str) -> None:
    await ensure_topics(kafka, [TopicSpec("lagging.events", 2, 60_000)])
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        for n in range(5):  # one send at a time: one batch each, so the embedded broker's end is exact
            await producer.send_and_wait("lagging.events", b"x", partition=0 if n < 3 else 1)
    finally:
        await producer.stop()
    committer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id="lagging-group", enable_auto_commit=False)
    await committer.start()
    try:
        committer.assign([TopicPartition("lagging.events", 0)])
        await committer.commit({TopicPartition("lagging.events", 0): OffsetAndMetadata(1, "")})
    finally:
        await committer.stop()

    probe = ConsumerLag(kafka, {"lagging-group": "lagging.events"})
    try:
        await probe.measure()
    finally:
        await probe.stop()

    assert (lag("lagging-group", "lagging.events", 0), lag("lagging-group", "lagging.events", 1)) == (2, 2)


def test_a_partition_never_committed_counts_from_its_start_and_lag_is_never_negative() -> None:
    a, b, c = (TopicPartition("t", p) for p in range(3))
    ends = {a: 10, b: 10, c: 4}
    assert lag_by_partition(ends, {a: 0, b: 3, c: 0}, {a: 7, b: -1, c: 6}) == {a: 3, b: 7, c: 0}
