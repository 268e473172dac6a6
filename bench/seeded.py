"""Seeded SQLite registries the in-process benchmarks share, kept between invocations.

Seeding takes tens of seconds; a benchmark that times the push's Python needs the same
registry on every run. Each template is written to ``<name>.part`` first and renamed when
complete, so a seeding cut short is never taken for a template.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from sync_server.db.engine import Database
from sync_server.db.migrate import upgrade
from sync_server.demo.seed import seed_demo


def sqlite_template(
    name: str,
    persons: int,
    *,
    now: dt.datetime | None = None,
    then: Callable[[Database], None] | None = None,
) -> Path:
    """The temp directory's ``ssb_bench_<name>_tpl_<persons>.db``: migrated, ``seed_demo`` of
    ``persons`` (at ``now``), then ``then`` (e.g. the bench's station), made once."""
    path = Path(tempfile.gettempdir()) / f"ssb_bench_{name}_tpl_{persons}.db"
    if path.exists():
        return path
    part = Path(f"{path}.part")
    part.unlink(missing_ok=True)
    db = Database.from_url(f"sqlite:///{part}")
    upgrade(db)
    seed_demo(
        db, persons_count=persons, seed=1, now=now or dt.datetime.now(dt.UTC), actor="bench", code_hours=24
    )
    if then is not None:
        then(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    part.rename(path)
    return path
