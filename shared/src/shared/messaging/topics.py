"""Create the topics defined in `deploy/topics.yaml` (and their `.dlq`s), idempotently.

Run as `python -m shared.messaging.topics --file deploy/topics.yaml`; the embedded stack
and the production topic job both use it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

DEFAULT_FILE = Path(__file__).resolve().parents[4] / "deploy" / "topics.yaml"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    replication_factor: int = 1


def load_topics(path: Path = DEFAULT_FILE) -> list[TopicSpec]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    replication = int(document.get("defaults", {}).get("replication_factor", 1))
    dlq = document["dlq"]
    specs = []
    for topic in document["topics"]:
        specs.append(
            TopicSpec(topic["name"], int(topic["partitions"]), int(topic["retention_ms"]), replication)
        )
        specs.append(
            TopicSpec(f"{topic['name']}.dlq", int(dlq["partitions"]), int(dlq["retention_ms"]), replication)
        )
    return specs


async def ensure_topics(bootstrap_servers: str, specs: list[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers.split(","))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        for spec in missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            spec.name,
                            num_partitions=spec.partitions,
                            replication_factor=spec.replication_factor,
                            topic_configs={"retention.ms": str(spec.retention_ms)},
                        )
                    ]
                )
        return [s.name for s in missing]
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    args = parser.parse_args()
    created = asyncio.run(ensure_topics(args.bootstrap_servers, load_topics(args.file)))
    print(f"topics ready ({len(created)} created)")


if __name__ == "__main__":
    main()
