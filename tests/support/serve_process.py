"""A real ``sync-server serve`` process over HTTPS on a free loopback port, for station tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from station_client.transport import make_client
from sync_server.commands.init import initialise
from sync_server.db.engine import Database

SYNC_SERVER = str(Path(sys.executable).with_name("sync-server"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    ca: Path
    data_dir: Path
    db: Database

    def client(self) -> httpx.Client:
        return make_client(self.url, self.ca)


@contextmanager
def serve(data_dir: Path, *, database_url: str | None = None, workers: int = 1) -> Iterator[Served]:
    """Initialise a data directory (CA, certificate, schema) and serve it until the block ends."""
    initialise(data_dir, database_url=database_url, hosts=("127.0.0.1", "localhost"))
    port = free_port()
    served = Served(
        f"https://127.0.0.1:{port}",
        data_dir / "tls" / "ca.pem",
        data_dir,
        Database.from_url(database_url or f"sqlite:///{data_dir / 'server.db'}"),
    )
    try:
        with serving(served, port, workers=workers):
            yield served
    finally:
        served.db.dispose()


@contextmanager
def serving(served: Served, port: int, *, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """``sync-server serve`` for an initialised data directory on ``port``, ready, until the
    block ends (the log is appended to ``serve.log`` in the data directory)."""
    with (served.data_dir / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [SYNC_SERVER, "serve", "--data-dir", str(served.data_dir), "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
        try:
            _wait_ready(served, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(served: Served, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    with served.client() as client:
        while time.monotonic() < end:
            if process.poll() is not None:
                raise RuntimeError((served.data_dir / "serve.log").read_text(errors="replace"))
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
    raise RuntimeError("sync-server serve did not become ready")
