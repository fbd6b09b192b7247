"""A Kafka broker for a test: the embedded Tansu broker, or Apache Kafka in a container.

`TEST_BROKER=testcontainers` asks for Apache Kafka through testcontainers. Without a
Docker engine that is impossible here, so the tests fall back to the embedded broker
and say so once.
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.stack.broker import EmbeddedBroker

log = logging.getLogger(__name__)
_warned = False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def kafka_broker(log_dir: Path | None = None) -> Iterator[str]:
    """Yield bootstrap servers of a broker that lives for the `with` block."""
    global _warned
    if os.environ.get("TEST_BROKER") == "testcontainers":
        from docker.errors import DockerException
        from testcontainers.kafka import KafkaContainer

        try:
            container = KafkaContainer("apache/kafka:3.8.0").start()
        except DockerException:
            if not _warned:
                warnings.warn(
                    "TEST_BROKER=testcontainers but no Docker engine answers; "
                    "falling back to the embedded broker",
                    stacklevel=2,
                )
                _warned = True
        else:
            try:
                yield container.get_bootstrap_server()
            finally:
                container.stop()
            return
    broker = EmbeddedBroker(port=free_port(), log_file=(log_dir / "broker.log") if log_dir else None)
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()
