"""A minimal outside consumer of billing's events: aiokafka and the CloudEvents SDK only.

It reads one topic in a consumer group, parses each record with the official CloudEvents
SDK (structured mode: the value is the whole event), skips an event whose `id` it has
already seen (the topic is at-least-once: a relay restart, a republish or a redrive
delivers an event again), and prints one line per event. It commits offsets after
printing, so a restart goes on where it stopped. A real consumer keeps the ids it has
seen in its own database, in the transaction that applies the event; this one keeps them
in memory. See docs/consuming-events.md.

    python examples/consume_billing_events.py --bootstrap-servers 127.0.0.1:19092 \\
        --topic billing.events --max-events 10 --timeout 10

Only `aiokafka` and `cloudevents` are needed (`pip install aiokafka cloudevents`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        help="host:port[,host:port] (default: $KAFKA_BOOTSTRAP_SERVERS or `make run`'s broker)",
    )
    parser.add_argument("--topic", default="billing.events")
    parser.add_argument("--group", default="example-billing-reader", help="the consumer group")
    parser.add_argument("--max-events", type=int, default=0, help="stop after this many events (0: never)")
    parser.add_argument(
        "--timeout", type=float, default=0, help="stop after this many idle seconds (0: never)"
    )
    return parser.parse_args(argv)


def line_for(record: ConsumerRecord[bytes, bytes]) -> tuple[str, str]:
    """The event's id, and the line to print for it."""
    message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value or b"")
    event = from_kafka_event(message)
    time = event.get_time()
    when = time.isoformat() if time else "-"
    key = event.get_extension("partitionkey")
    return (
        event.get_id(),
        f"{when} {event.get_type()} key={key} id={event.get_id()} source={event.get_source()}",
    )


async def consume(args: argparse.Namespace) -> tuple[int, int]:
    """Print each new event; answers how many were printed and how many were duplicates."""
    consumer = AIOKafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap_servers.split(","),
        group_id=args.group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    seen: set[str] = set()
    printed = duplicates = 0
    idle_ms = int(args.timeout * 1000)
    await consumer.start()
    try:
        while not args.max_events or printed < args.max_events:
            batch = await consumer.getmany(timeout_ms=idle_ms or 1000)
            if not batch and idle_ms:
                break
            done: dict[TopicPartition, int] = {}
            for record in (r for records in batch.values() for r in records):
                if args.max_events and printed == args.max_events:
                    break
                event_id, line = line_for(record)
                done[TopicPartition(record.topic, record.partition)] = record.offset + 1
                if event_id in seen:
                    duplicates += 1
                    continue
                seen.add(event_id)
                printed += 1
                print(line, flush=True)
            if done:
                await consumer.commit(done)  # only what was printed: the rest comes again
    finally:
        await consumer.stop()
    return printed, duplicates


def main(argv: list[str] | None = None) -> None:
    printed, duplicates = asyncio.run(consume(arguments(argv)))
    print(f"{printed} events, {duplicates} duplicates skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
