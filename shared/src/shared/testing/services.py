"""Running a service in the test's own event loop, against real parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from shared.db.migrations import upgrade
from shared.service import Service
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

FAST_GROUP_JOIN = {"KAFKA_SESSION_TIMEOUT_MS": "2000"}


def settings_for(cls: type[S], **env: str) -> S:
    """Settings from explicit values named like their environment variables."""
    values: dict[str, Any] = {**FAST_GROUP_JOIN, **env}
    return cls(**values)


@asynccontextmanager
async def running(service: Service[Any, Any], package: str) -> AsyncIterator[Service[Any, Any]]:
    """Migrate, start consumers and the relay, and stop everything afterwards."""
    await upgrade(service.engine, package)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
