"""`make run`: the broker, the topics, the databases and the three services, locally.

Set KAFKA_BOOTSTRAP_SERVERS to use an existing Kafka instead of the embedded broker,
and BILLING_DATABASE_URL (etc.) to use PostgreSQL instead of SQLite files in ./var/.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from shared.messaging.topics import ensure_topics, load_topics
from shared.settings import DEV_ADMIN_API_KEY, DEV_FINANCE_API_KEY
from shared.stack.broker import EmbeddedBroker, port_is_open
from shared.stack.keys import dev_portal_keys
from shared.stack.processes import ServiceProcess

SERVICES = (("billing", 8001), ("dunning", 8002), ("pause", 8003))


def _port(name: str, default: int) -> int:
    raw = os.environ.get(f"{name.upper()}_PORT", str(default))
    if not raw.isdigit():
        sys.exit(f"{name.upper()}_PORT must be a port number, not {raw!r}")
    return int(raw)


def main() -> None:
    var = Path(os.environ.get("STACK_VAR_DIR", "var"))
    (var / "log").mkdir(parents=True, exist_ok=True)
    ports = {name: _port(name, default) for name, default in SERVICES}
    for name, port in ports.items():
        if port_is_open("127.0.0.1", port):
            sys.exit(f"port {port} is already in use; stop what is using it or set {name.upper()}_PORT")
    broker, bootstrap = _broker(var)
    created = asyncio.run(ensure_topics(bootstrap, load_topics()))
    processes = _service_processes(ports, bootstrap, var)
    shut_down = _shut_down(processes, broker)
    signal.signal(signal.SIGINT, shut_down)
    signal.signal(signal.SIGTERM, shut_down)
    try:
        for process in processes:
            process.migrate()
            process.start()
        for process in processes:
            process.wait_ready()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        shut_down()
    _banner(bootstrap, created, processes, var, embedded=broker is not None)
    while True:
        time.sleep(1)
        for process in processes:
            if process.process and process.process.poll() is not None:
                print(f"{process.name} stopped unexpectedly; see {process.log_file}", file=sys.stderr)
                shut_down()


def _broker(var: Path) -> tuple[EmbeddedBroker | None, str]:
    """The embedded broker, unless KAFKA_BOOTSTRAP_SERVERS names one already running."""
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return None, bootstrap
    broker = EmbeddedBroker(log_file=var / "log" / "broker.log")
    try:
        broker.start()
    except RuntimeError as exc:
        sys.exit(str(exc))
    return broker, broker.bootstrap_servers


def _service_processes(ports: dict[str, int], bootstrap: str, var: Path) -> list[ServiceProcess]:
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, **dev_portal_keys(var / "keys")}
    for name in ports:
        env.setdefault(f"{name.upper()}_DATABASE_URL", os.environ.get(
            f"{name.upper()}_DATABASE_URL", f"sqlite:///{var.resolve()}/{name}.db"))  # fmt: skip
    return [
        ServiceProcess(name, port, env, log_file=var / "log" / f"{name}.log") for name, port in ports.items()
    ]


def _shut_down(processes: list[ServiceProcess], broker: EmbeddedBroker | None) -> Callable[..., None]:
    """Stop everything once, in reverse order, whether asked by a signal or by a failure."""
    stopping = False

    def shut_down(*_: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nstopping…", flush=True)
        for process in reversed(processes):
            process.stop()
        if broker:
            broker.stop()
        print("stopped.")
        sys.exit(0)

    return shut_down


def _pages(processes: list[ServiceProcess]) -> list[str]:
    """Where people look: the finance dashboard, and how a subscriber gets a portal link."""
    url = {p.name: p.url for p in processes}
    if not {"billing", "dunning", "pause"} <= url.keys():
        return []
    return [
        f"  dashboard {url['dunning']}/dashboard   (sign in with FINANCE_API_KEY)",
        f"  portal    {url['pause']}/portal   (open the url from POST {url['billing']}/v1/portal-sessions)",
    ]


def _banner(
    bootstrap: str, created: list[str], processes: list[ServiceProcess], var: Path, *, embedded: bool
) -> None:
    admin = os.environ.get("ADMIN_API_KEY", DEV_ADMIN_API_KEY)
    finance = os.environ.get("FINANCE_API_KEY", DEV_FINANCE_API_KEY)
    shown_admin = admin if admin == DEV_ADMIN_API_KEY else "(yours, from the environment)"
    shown_finance = finance if finance == DEV_FINANCE_API_KEY else "(yours, from the environment)"
    kind = "embedded Tansu broker" if embedded else "external Kafka"
    lines = [
        "",
        "Subscription billing is running.",
        f"  broker    {bootstrap}  ({kind}; {len(created)} topics created)",
        *[f"  {p.name:<9} {p.url}   docs {p.url}/docs" for p in processes],
        *_pages(processes),
        f"  logs      {var / 'log'}/",
        "",
        "Development API keys (refused when APP_ENV=production):",
        f"  ADMIN_API_KEY={shown_admin}",
        f"  FINANCE_API_KEY={shown_finance}",
        "",
        "Try:",
        f"  curl -s -X POST {processes[0].url}/v1/customers -H 'Authorization: Bearer {shown_admin}' \\",
        "       -H 'Content-Type: application/json' \\",
        '       -d \'{"email":"ada@example.com","name":"Ada","timezone":"Europe/London"}\'',
        "",
        "Press Ctrl-C to stop everything.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
