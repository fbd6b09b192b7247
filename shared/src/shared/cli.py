"""The command line every service shares: `serve`, `migrate`, `relay`, `republish`.

`relay` runs the outbox relay alone (with `OUTBOX_RELAY=off` on the API processes), so
it can be scaled, stopped or killed independently of the API.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from datetime import datetime

from shared.db.migrations import upgrade
from shared.logs import configure_logging
from shared.service import Service
from shared.settings import ServiceSettings


def run_cli(
    name: str,
    load: Callable[[], ServiceSettings],
    bootstrap: Callable[[ServiceSettings], Service],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=name, description=f"The {name} service.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="HTTP API, consumers and (by default) the outbox relay")
    commands.add_parser("migrate", help="upgrade the database to the latest schema")
    commands.add_parser("relay", help="run only the outbox relay")
    republish = commands.add_parser("republish", help="queue already-published events again")
    republish.add_argument("--since", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(argv)

    settings = load()
    configure_logging(name, settings.log_level)
    service = bootstrap(settings)
    if args.command == "serve":
        service.serve()
    elif args.command == "migrate":
        asyncio.run(_migrate(service, name))
    elif args.command == "relay":
        asyncio.run(_relay_only(service))
    elif args.command == "republish":
        count = asyncio.run(_republish(service, args.since))
        print(f"{count} events queued for publishing again")


async def _migrate(service: Service, package: str) -> None:
    await upgrade(service.engine, package)
    await service.engine.dispose()
    print(f"{package}: database is at the latest schema")


async def _relay_only(service: Service) -> None:
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


async def _republish(service: Service, since: datetime) -> int:
    async with service.engine.begin() as conn:
        count = await service.relay.outbox.republish_since(conn, since)
    await service.engine.dispose()
    return count
