"""The server both README screenshot scripts start from: ``make demo``'s seeded history.

:func:`seeded` runs the commands ``make demo`` runs on its first start, on a fresh data
directory: ``sync-server init`` and ``sync-server seed-demo --weeks N`` (the registry, the
demo stations and accounts, then N weeks of casework through the real services), and reads
the demo accounts' passwords from the seed's own table. :func:`serving` then runs
``sync-server serve`` over HTTPS on a free loopback port until the block ends.

``--cache DIR`` (both scripts) seeds once into DIR and copies it for every later run: the
seed is reproducible (same seed, same rows), only its dates follow today's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync_server.db.engine import Database  # noqa: E402
from tests.support.serve_process import Served, free_port  # noqa: E402
from tests.support.serve_process import serving as serve_process  # noqa: E402

BIN = Path(sys.executable).parent
WEEKS = 6  # as `make demo` seeds (scripts/demo.py HISTORY_WEEKS)
PERSONS = 20_000
SEEDED = ".demo-seeded"
ACCOUNT_ROW = re.compile(r"^(\S+)\s+\S+\s+\S+\s+\S+\s+(\S+)\s*$")


@dataclass(frozen=True)
class Demo:
    server_dir: Path
    passwords: dict[str, str]  # demo username → password


def _run(args: list[str]) -> str:
    print(f"$ {' '.join(Path(a).name if n == 0 else a for n, a in enumerate(args))}", flush=True)
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"命令失败（退出码 {done.returncode}）：{' '.join(args)}\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def passwords(seed_output: str) -> dict[str, str]:
    """The demo accounts table seed-demo prints: username → password."""
    table = seed_output.split("演示账号", 1)[1].splitlines()[3:]  # after the heading, header and rule
    found = (ACCOUNT_ROW.match(line) for line in table)
    return {m.group(1): m.group(2) for m in found if m}


def _seed(server_dir: Path, *, weeks: int, persons: int) -> None:
    sync_server = str(BIN / "sync-server")
    _run([sync_server, "init", "--data-dir", str(server_dir), "--host", "localhost", "--host", "127.0.0.1"])
    output = _run([sync_server, "seed-demo", "--data-dir", str(server_dir), "--persons", str(persons),
                   "--weeks", str(weeks)])  # fmt: skip
    history = [line for line in output.splitlines() if line.startswith("业务历史")]
    print("\n".join(history), flush=True)
    (server_dir.parent / "accounts.txt").write_text(output, encoding="utf-8")
    (server_dir / SEEDED).write_text("seed-demo finished\n", encoding="utf-8")


def seeded(work: Path, *, weeks: int = WEEKS, persons: int = PERSONS, cache: Path | None = None) -> Demo:
    """A seeded server data directory at ``work/server`` (copied from ``cache`` when it holds one)."""
    server_dir = work / "server"
    source = (cache or work) / "server"
    if cache is None or not (source / SEEDED).exists():
        shutil.rmtree(source, ignore_errors=True)
        source.parent.mkdir(parents=True, exist_ok=True)
        _seed(source, weeks=weeks, persons=persons)
    if source != server_dir:
        shutil.rmtree(server_dir, ignore_errors=True)
        shutil.copytree(source, server_dir)
        shutil.copy(source.parent / "accounts.txt", work / "accounts.txt")
    return Demo(server_dir, passwords((work / "accounts.txt").read_text(encoding="utf-8")))


@contextmanager
def serving(demo: Demo) -> Iterator[Served]:
    """``sync-server serve`` on the seeded data directory, over HTTPS on a free port."""
    port = free_port()
    served = Served(
        f"https://127.0.0.1:{port}",
        demo.server_dir / "tls" / "ca.pem",
        demo.server_dir,
        Database.from_url(f"sqlite:///{demo.server_dir / 'server.db'}"),
    )
    try:
        with serve_process(served, port):
            print(f"服务器：{served.url}", flush=True)
            yield served
    finally:
        served.db.dispose()
