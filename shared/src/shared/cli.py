"""The command line every service shares: `serve`, `migrate`, `relay`, `republish`, `dlq`.

`relay` runs the outbox relay alone (with `OUTBOX_RELAY=off` on the API processes), so
it can be scaled, stopped or killed independently of the API. `dlq redrive` puts this
service's dead letters back through the normal path (`shared.messaging.redrive`).

The service itself (`<name>.bootstrap`: FastAPI, FastStream, every adapter) is imported
only by the commands that run it. `migrate` needs an engine and Alembic, and starts in
half the CPU time; every start of a stack (`make run`, a deployment's migrate job, each
end-to-end test) begins with one per service.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.logs import configure_logging
from shared.settings import ServiceSettings

if TYPE_CHECKING:
    from shared.service import Service


def run_cli(name: str, load: Callable[[], ServiceSettings], argv: list[str] | None = None) -> None:
    """`name` is the service's package; its `bootstrap` builds the service to run."""
    parser = argparse.ArgumentParser(prog=name, description=f"The {name} service.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="HTTP API, consumers and (by default) the outbox relay")
    commands.add_parser("migrate", help="upgrade the database to the latest schema")
    commands.add_parser("relay", help="run only the outbox relay")
    republish = commands.add_parser("republish", help="queue already-published events again")
    republish.add_argument("--since", required=True, type=datetime.fromisoformat)
    dlq = commands.add_parser("dlq", help="dead letters").add_subparsers(dest="dlq_command", required=True)
    again = dlq.add_parser("redrive", help="publish this service's dead letters of a topic back to it")
    again.add_argument("--topic", required=True, help="the source topic, e.g. billing.events")
    again.add_argument("--since", type=datetime.fromisoformat, help="only letters dead-lettered since then")
    again.add_argument("--id", dest="event_id", help="only the dead letter of this event id")
    args = parser.parse_args(argv)

    settings = load()
    configure_logging(name, settings.log_level)
    if args.command == "migrate":
        asyncio.run(_migrate(getattr(settings, "database_url"), name))  # noqa: B009
        return
    from shared.tracing import configure_tracing

    configure_tracing(name, settings.otel_exporter_otlp_endpoint)
    bootstrap: Callable[[ServiceSettings], Service[Any, Any]] = importlib.import_module(
        f"{name}.bootstrap"
    ).bootstrap
    service = bootstrap(settings)
    if args.command == "serve":
        service.serve()
    elif args.command == "relay":
        from shared.messaging.reachable import ensure_broker_reachable

        ensure_broker_reachable(settings.kafka_bootstrap_servers)
        asyncio.run(_relay_only(service))
    elif args.command == "republish":
        count = asyncio.run(_republish(service, args.since))
        print(f"{count} events queued for publishing again")
    elif args.command == "dlq":
        _redrive(parser, service, settings, args)


def _redrive(
    parser: argparse.ArgumentParser,
    service: Service[Any, Any],
    settings: ServiceSettings,
    args: argparse.Namespace,
) -> None:
    consumers = [c.name for c in service.consumers if c.topic.value == args.topic]
    if not consumers:
        known = ", ".join(sorted({c.topic.value for c in service.consumers}))
        parser.error(f"--topic: {service.name} consumes {known}, not {args.topic}")
    from shared.messaging.redrive import redrive

    servers, topic = settings.kafka_bootstrap_servers, args.topic
    count = asyncio.run(redrive(servers, topic, consumers, since=args.since, event_id=args.event_id))
    print(f"{count} dead letters of {args.topic} published back to it")


async def _migrate(database_url: str, package: str) -> None:
    from shared.db.engine import create_engine
    from shared.db.migrations import upgrade

    engine = create_engine(database_url)
    try:
        await upgrade(engine, package)
    finally:
        await engine.dispose()
    print(f"{package}: database is at the latest schema")


async def _relay_only(service: Service[Any, Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await service.broker.connect()
    try:
        await service.relay.run(stop)
    finally:
        await service.broker.stop()
        await service.engine.dispose()


async def _republish(service: Service[Any, Any], since: datetime) -> int:
    async with service.engine.begin() as conn:
        count = await service.relay.outbox.republish_since(conn, since)
    await service.engine.dispose()
    return count
