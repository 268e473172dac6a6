"""CPU time of processes, read from /proc: the server's worker tree and PostgreSQL's backends.

The box is shared and wall time moves with whatever else runs, so the push benchmarks
report CPU seconds beside it: the server's processes (:func:`tree_cpu`) and the
PostgreSQL processes that worked for the benchmark (:func:`postgres_cpu`: the backends
connected to its database, plus the WAL writer, checkpointer and background writer, which
do the batch's writing after the commit).
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
_SHARED_PG = ("walwriter", "checkpointer", "background writer", "autovacuum")


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    parts = _stat(pid)
    return 0.0 if parts is None else (int(parts[11]) + int(parts[12])) / _TICK


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parts = _stat(entry.name)
            if parts is not None:
                children.setdefault(int(parts[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_cpu(root: int) -> float:
    return sum(cpu_of(pid) for pid in tree(root))


def postgres_pids(database: str, *, shared: bool = True) -> list[int]:
    """Backends connected to ``database`` and PostgreSQL's shared writers (their titles say which)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not title.startswith("postgres: "):
            continue
        words = title.split()[1:]
        if words and words[0].endswith(":"):  # the cluster's name ("15/main:") on Debian
            words = words[1:]
        if (len(words) > 1 and words[1] == database) or (
            shared and any(name in title for name in _SHARED_PG)
        ):
            found.append(int(entry.name))
    return found


class PostgresCpu:
    """CPU PostgreSQL spends on one database from :meth:`start` to :meth:`seconds`. A backend
    first seen after the start was started meanwhile and counts from zero; one that ends
    before :meth:`seconds` counts up to its last :meth:`poll`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def start(self) -> None:
        self._first = {pid: cpu_of(pid) for pid in postgres_pids(self.database)}
        self._last = dict(self._first)

    def poll(self) -> None:
        for pid in postgres_pids(self.database):
            cpu = cpu_of(pid)
            self._first.setdefault(pid, 0.0)
            self._last[pid] = cpu

    def seconds(self) -> float:
        self.poll()
        return sum(self._last[pid] - self._first[pid] for pid in self._last)

    def backend_seconds(self) -> float:
        """Only the backends connected to the database (without the shared writers)."""
        self.poll()
        mine = set(postgres_pids(self.database, shared=False))
        return sum(self._last[pid] - self._first[pid] for pid in self._last if pid in mine)
