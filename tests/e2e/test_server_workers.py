"""`sync-server serve --workers N`: N processes, each listening on the port with its own socket.

The kernel shares connections out over the workers' sockets (SO_REUSEPORT), so stations
that connect at the same moment do not all land on the first worker to wake up. A worker
that dies is replaced; SIGTERM stops them all; a port that is taken is refused with a
message instead of a traceback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from station_client.transport import make_client
from sync_server.commands.init import initialise
from tests.support.serve_process import SYNC_SERVER, free_port

pytestmark = pytest.mark.slow


def listeners(port: int) -> set[int]:
    """Inodes of the sockets listening on ``port`` (IPv4), from /proc/net/tcp."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return {int(r.split()[9]) for r in rows if r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A"}


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def workers_of(pid: int, port: int) -> list[int]:
    """The supervisor's children that listen on the port (multiprocessing adds a helper too)."""
    return [child for child in children(pid) if socket_inodes(child) & listeners(port)]


def socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    data = tmp_path / "server"
    initialise(data, database_url=database_url, hosts=("127.0.0.1", "localhost"))
    return data


def start(
    data_dir: Path, port: int, workers: int, *, output: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SYNC_SERVER, "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        start_new_session=True,
    )  # fmt: skip


@pytest.fixture
def two_workers(data_dir: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = start(data_dir, port, 2, output=output.fileno())
    try:
        started = lambda: log.read_text(errors="replace").count("Application startup complete") == 2  # noqa: E731
        assert wait_for(started) and len(listeners(port)) == 2, "two workers should each listen on the port"
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()  # the workers follow their supervisor (PR_SET_PDEATHSIG)
        process.wait()
        assert wait_for(lambda: not listeners(port), 15)


def test_each_worker_listens_with_its_own_socket_and_answers(
    two_workers: tuple[subprocess.Popen[bytes], int], data_dir: Path
) -> None:
    process, port = two_workers
    workers = workers_of(process.pid, port)
    assert len(workers) == 2
    held = [socket_inodes(pid) & listeners(port) for pid in workers]
    assert all(len(h) == 1 for h in held) and held[0] != held[1]  # one socket each, not a shared one
    for _ in range(6):  # new connections each time: whichever worker the kernel picks answers
        with make_client(f"https://127.0.0.1:{port}", data_dir / "tls" / "ca.pem") as client:
            assert client.get("/readyz").status_code == 200


def test_a_worker_that_dies_is_replaced(two_workers: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = two_workers
    victim = workers_of(process.pid, port)[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: victim not in children(process.pid) and len(listeners(port)) == 2)
    assert process.poll() is None


def test_sigterm_stops_every_worker(two_workers: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = two_workers
    workers = workers_of(process.pid, port)
    process.terminate()
    assert process.wait(40) == 0
    assert not listeners(port)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_ctrl_c_stops_the_supervisor_and_its_workers(
    two_workers: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = two_workers
    workers = workers_of(process.pid, port)
    os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl+C reaches the whole group, workers too
    assert process.wait(40) == 0
    assert not listeners(port)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_taken_port_is_refused_with_a_message(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start(data_dir, port, 2, output=subprocess.PIPE)
        try:
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    text = output.decode(errors="replace")
    assert process.returncode != 0
    assert f"端口 {port} 已被占用" in text
    assert "Traceback" not in text
