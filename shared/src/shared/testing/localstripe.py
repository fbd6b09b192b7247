"""A real localstripe (a stateful fake Stripe server) on a loopback port, for tests.

localstripe's own CLI binds every interface, so a small wrapper runs its aiohttp app on
127.0.0.1 only. The wrapper also turns off the store's dump to /tmp/localstripe.pickle
after every write, a file that parallel test runs would share.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from shared.testing.brokers import free_port

LOCALSTRIPE_KEY = "sk_test_localstripe"  # localstripe accepts any sk_ key
_WRAPPER = """
import sys
from aiohttp import web
import localstripe.resources
import localstripe.server
localstripe.resources.store.dump_to_disk = lambda: None
web.run_app(localstripe.server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}:\n{log.read_text()}")
        try:
            answer = httpx.get(f"{url}/v1/customers", auth=(LOCALSTRIPE_KEY, ""), timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if answer.status_code == 200:
            return
        raise RuntimeError(f"localstripe answered {answer.status_code}: {answer.text}")
    raise RuntimeError(f"localstripe did not answer on {url} within 20 s:\n{log.read_text()}")


@contextmanager
def localstripe_server(log: Path) -> Iterator[str]:
    """Yield the base URL of a fresh localstripe; raises RuntimeError if it cannot start."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
