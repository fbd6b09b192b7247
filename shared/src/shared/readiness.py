"""What `/readyz` asks of one service: its database, at the schema its code expects, the
broker, and whether the relay is healing a broker that lost events."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import text

from shared.db.engine import reading
from shared.db.migrations import SchemaCheck
from shared.http.probes import Degraded, NotReady, ReadinessCheck
from shared.infrastructure import Infrastructure


@dataclass
class ServiceReadiness:
    name: str
    infra: Infrastructure

    @cached_property
    def schema(self) -> SchemaCheck:
        """The service's migrations live in its package, named as the service."""
        return SchemaCheck(self.name)

    async def check_database(self) -> None:
        async with reading(self.infra.engine) as conn:
            await conn.execute(text("SELECT 1"))

    async def check_schema(self) -> None:
        problem = await self.schema.problem(self.infra.engine)
        if problem is not None:
            raise NotReady(problem)

    async def check_broker(self) -> None:
        if not await self.infra.broker.ping(timeout=2):
            raise ConnectionError("broker did not answer")

    async def check_delivery(self) -> None:
        if self.infra.relay.healing:
            raise Degraded("republishing events the broker lost")

    def checks(self) -> dict[str, ReadinessCheck]:
        return {
            "database": self.check_database,
            "schema": self.check_schema,
            "broker": self.check_broker,
            "delivery": self.check_delivery,
        }
