"""The PostgreSQL the storage tests run on, found or started.

:func:`admin_url` answers, in this order:

1. ``SSB_TEST_PG_ADMIN`` when it is set: that server, as it is;
2. the machine's own server, ``postgresql://postgres@127.0.0.1:5432/test`` (the port can be
   moved with ``SSB_TEST_PG_PORT``), when it lets us log in: the fast path of a
   developer's box or CI image;
3. otherwise a throwaway cluster: ``initdb`` in a temporary directory (trust
   authentication, as ``postgres``), started with ``pg_ctl`` on a free port of 127.0.0.1
   and stopped when the last test process of the run lets it go. A newcomer's fresh Debian
   box has only the binaries (``make test`` installs Debian's ``postgresql``).

pytest-xdist workers share one cluster per run: the first to need it starts it under a
file lock and writes its port to a state file keyed by the run's id; the others find it
there and sign in; each signs out at the end of its session and the last one stops it.
``initdb`` refuses to run as root, so as root the cluster is made and run by the
``postgres`` account (``runuser``).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

LOCAL_HOST = "127.0.0.1"
PREFIX = "ssb-test-pg-"


class ClusterError(RuntimeError):
    """No PostgreSQL to test on, and none could be started."""


def local_url() -> str:
    port = os.environ.get("SSB_TEST_PG_PORT", "5432")
    return f"postgresql://postgres@{LOCAL_HOST}:{port}/test"


def answers(url: str) -> bool:
    """Whether ``url`` lets us in (a server on the port that wants a password does not)."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


@dataclass(frozen=True)
class Lease:
    """This process's hold on the run's throwaway cluster; :meth:`release` at the end."""

    root: Path
    url: str

    def release(self) -> None:
        with _locked(self.root):
            state = _read(self.root)
            if state is None:
                return
            users = [pid for pid in state["users"] if pid != os.getpid() and _alive(pid)]
            if users:
                _write(self.root, {**state, "users": users})
                return
            _stop(self.root)


def admin_url() -> tuple[str, Lease | None]:
    """The admin URL the tests create their databases with, and the lease when it is ours."""
    named = os.environ.get("SSB_TEST_PG_ADMIN")
    if named:
        return named, None
    local = local_url()
    if answers(local):
        return local, None
    lease = attach(run_root())
    return lease.url, lease


def run_root() -> Path:
    """The directory of this run's cluster: one per pytest run, shared by its xdist workers."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    return Path(tempfile.gettempdir()) / f"{PREFIX}{run}"


def attach(root: Path) -> Lease:
    """Sign in to the cluster at ``root``, starting it when nobody has yet."""
    with _locked(root):
        state = _read(root)
        if state is None or not answers(_url(state["port"])):
            _sweep_abandoned(keep=root)
            state = {"port": _start(root), "users": []}
        state["users"] = [*state["users"], os.getpid()]
        _write(root, state)
        return Lease(root, _url(state["port"]))


# ---- the cluster ---------------------------------------------------------------------


def _url(port: int) -> str:
    return f"postgresql://postgres@{LOCAL_HOST}:{port}/test"


def binaries() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``: Debian's newest, else the ones on PATH."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ClusterError(
        "找不到 PostgreSQL（initdb）：请运行 scripts/ensure-system-packages（make test 会安装 Debian 的 "
        "postgresql 软件包），或用环境变量 SSB_TEST_PG_ADMIN 指定一个可用的服务器。"
    )


def _as_owner(args: list[str]) -> list[str]:
    """``initdb`` and ``postgres`` refuse root: run them as the ``postgres`` account then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_owner(args), capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise ClusterError(
            f"{' '.join(args[:2])} 失败（退出码 {done.returncode}）：{done.stdout}{done.stderr}"
        )


def _start(root: Path) -> int:
    """initdb and start a cluster in ``root``/data; its port."""
    bin_dir = binaries()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700, parents=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
          "--no-sync"])  # fmt: skip
    for _ in range(3):  # a free port may be taken between asking and binding: try another
        port = _free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses={LOCAL_HOST} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        try:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options, "-w",
                  "-t", "60", "start"])  # fmt: skip
        except ClusterError:
            continue
        with psycopg.connect(_url(port).rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE test")
        return port
    log = root / "server.log"
    raise ClusterError(f"临时 PostgreSQL 启动失败：{log.read_text() if log.exists() else '（无日志）'}")


def _stop(root: Path) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            _run([str(binaries() / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    shutil.rmtree(root, ignore_errors=True)


def _sweep_abandoned(keep: Path) -> None:
    """Stop the clusters of earlier runs whose every process is gone (a run killed mid-way)."""
    for other in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        if other == keep or not other.is_dir():
            continue
        with _locked(other, wait=False) as held:
            state = _read(other)
            users = state["users"] if state is not None else []
            if held and not any(_alive(pid) for pid in users):
                _stop(other)


# ---- the state file, under a lock ------------------------------------------------------


@contextlib.contextmanager
def _locked(root: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock of ``root``'s state; without ``wait``, yield False when another holds it."""
    # The lock file sits beside the directory and stays: removing it could let two
    # processes hold "the" lock on two different files.
    with open(root.parent / f"{root.name}.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


State = dict[str, Any]  # {"port": int, "users": [pid, …]}


def _read(root: Path) -> State | None:
    try:
        state = json.loads((root / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and {"port", "users"} <= set(state) else None


def _write(root: Path, state: State) -> None:
    path = root / "state.json"
    path.write_text(json.dumps(state))


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
