"""Asking the broker whether it still holds a record the relay saw acknowledged.

One consumer, outside any group, kept for the life of the relay: it seeks to the mark's
offset and reads one record. A missing topic or partition, an offset out of range, or
another event at that offset all mean the broker lost what it had acknowledged. When
nothing comes back, the partition's end decides: the embedded broker reports an end
offset no higher than its last batch's first offset plus one, which for a partition that
still holds the mark's batch is above that batch's first offset; an end at or below it
means the partition lost it. Anything else (a slow answer, a later record first because
retention removed the mark's) proves nothing and counts as still there.
"""

from __future__ import annotations

import json
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from shared.outbox.broker_marks import Placed

READ_MS = 1500
log = logging.getLogger(__name__)


class KafkaMarkProbe:
    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._consumer: AIOKafkaConsumer | None = None

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers.split(","),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="none",
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def still_there(self, mark: Placed) -> bool:
        consumer = await self._started()
        # Fresh metadata, as `consumer.topics()` fetches it (the consumer's own cache only
        # knows topics it was assigned): a lost topic is missing now.
        cluster = await consumer._client.fetch_all_metadata()
        if mark.partition not in (cluster.partitions_for_topic(mark.topic) or set()):
            log.warning("probe: partition missing", extra={"topic": mark.topic, "partition": mark.partition})
            return False
        partition = TopicPartition(mark.topic, mark.partition)
        consumer.assign([partition])
        consumer.seek(partition, mark.offset)
        try:
            batch = await consumer.getmany(partition, timeout_ms=READ_MS, max_records=1)
        except OffsetOutOfRangeError:
            log.warning("probe: offset out of range", extra={"topic": mark.topic, "offset": mark.offset})
            return False
        records = batch.get(partition, [])
        if not records:
            end = (await consumer.end_offsets([partition]))[partition]
            if end <= mark.batch_base:
                log.warning("probe: partition ends before the mark", extra={"topic": mark.topic, "end": end})
                return False
            return True  # a slow answer: nothing is proven lost
        if records[0].offset != mark.offset:
            return True  # retention removed the mark's record: nothing is proven lost
        try:
            found = str(json.loads(records[0].value or b"{}").get("id"))
        except ValueError:
            found = "not json"
        if found != mark.event_id:
            log.warning(
                "probe: another record",
                extra={"topic": mark.topic, "offset": mark.offset, "found": found, "mark": mark.event_id},
            )
        return found == mark.event_id

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
