"""Refusing clearly to start on a port something else holds."""

from __future__ import annotations

import errno
import socket
import sys


def ensure_port_free(host: str, port: int, variable: str) -> None:
    """Exit 3 naming `variable`: uvicorn's own error is a traceback about a socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                print(
                    f"{host}:{port} is already in use. Stop whatever is listening there, "
                    f"or choose another port with {variable}.",
                    file=sys.stderr,
                )
                raise SystemExit(3) from None
            raise
