"""Several server processes on one port, each with its own listening socket (``SO_REUSEPORT``).

uvicorn's own ``--workers`` shares one listening socket between its processes, and asyncio
accepts every waiting connection whenever a process wakes up: the first worker to wake
takes all the stations that connected at the same moment and keeps them for as long as
their keep-alive connections last, while the other workers sit idle (seen in
bench/server_push.py: seven of eight stations on one of two workers). With a socket per
process, the kernel spreads new connections over the processes by a hash of their
addresses, so the work is shared from the first connection on.

Linux only (``SO_REUSEPORT`` balancing needs Linux 3.9); elsewhere ``sync-server serve``
falls back to uvicorn's supervisor. The supervisor here stays small: it starts the
workers, restarts one that dies, gives up when a worker dies before it ever served (the
port is taken, the settings are wrong), and passes SIGINT/SIGTERM on for a graceful stop.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType
from typing import Any

GRACEFUL_STOP_SECONDS = 30.0
EXIT_CANNOT_LISTEN = 3


class WorkersFailed(Exception):
    """A worker could not start; its output says why."""


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket that shares ``host:port`` with the other workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the socket
    # says it is TCP. Without it Nagle's algorithm held the last segment of every answer until
    # the client's delayed ACK: about 40 ms a request (4 ms with it).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def _worker(config: dict[str, Any], host: str, port: int, ready: EventType) -> None:
    import uvicorn

    class Worker(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                ready.set()  # the supervisor now restarts this worker if it dies

    _die_with_parent()
    try:
        sock = listen(host, port)
    except OSError as exc:
        print(
            f"无法监听 {host}:{port}：{exc.strerror or exc}。端口 {port} 已被占用或地址不可用。",
            file=sys.stderr,
        )
        sys.exit(EXIT_CANNOT_LISTEN)
    Worker(uvicorn.Config(**config)).run(sockets=[sock])


def _die_with_parent() -> None:
    """Ask Linux to send this worker SIGTERM when the supervisor dies, even by SIGKILL:
    otherwise an orphaned worker would go on holding the port."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the supervisor's own stop remains
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Supervisor:
    def __init__(self, config: dict[str, Any], host: str, port: int, workers: int) -> None:
        self.config, self.host, self.port, self.count = config, host, port, workers
        self.context = multiprocessing.get_context("spawn")  # like uvicorn: no forked state
        self.processes: list[tuple[BaseProcess, EventType]] = []
        self.stopping = False

    def _start(self) -> tuple[BaseProcess, EventType]:
        ready = self.context.Event()
        process = self.context.Process(
            target=_worker, args=(self.config, self.host, self.port, ready), name="sync-server-worker"
        )
        process.start()
        return process, ready

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM; raises WorkersFailed when a worker cannot start."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self._start() for _ in range(self.count)]
            while not self.stopping:
                self._watch()
                time.sleep(0.2)
        finally:
            self._stop()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _watch(self) -> None:
        for i, (process, ready) in enumerate(self.processes):
            if process.is_alive() or self.stopping:
                continue
            if not ready.is_set():  # it never served: starting it again would fail the same way
                self.stopping = True
                raise WorkersFailed(f"工作进程启动失败（退出码 {process.exitcode}）")
            if process.exitcode == 0:  # it was asked to stop: Ctrl+C reaches the whole process group
                continue
            self.processes[i] = self._start()  # died while serving: its stations reconnect to the others
        if not any(process.is_alive() for process, _ in self.processes):
            self.stopping = True

    def _stop(self) -> None:
        for process, _ in self.processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes the requests it has, then exits
        deadline = time.monotonic() + GRACEFUL_STOP_SECONDS
        for process, _ in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
