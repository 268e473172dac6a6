"""Regenerate migration 0001 from sync_server/db/tables.py while the schema is unreleased.

Autogenerates against an empty PostgreSQL database (whose defaults render portably),
then rewrites the types that must differ per dialect. Usage:
    .venv/bin/python scripts/regen_initial_migration.py postgresql://postgres@127.0.0.1/ssb_gen
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

from alembic import command

from sync_server.db.engine import Database
from sync_server.db.migrate import _config

VERSIONS = pathlib.Path(__file__).resolve().parent.parent / "sync_server" / "migrations" / "versions"


def main(url: str) -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    db = Database.from_url(url)
    cfg = _config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    path = next(VERSIONS.glob("0001_*.py"))
    text = path.read_text()
    # now() does not exist on SQLite; func.now() compiles to CURRENT_TIMESTAMP there.
    text = text.replace('sa.text("now()")', "sa.func.now()").replace("sa.text('now()')", "sa.func.now()")
    # Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
    text = re.sub(
        r"sa\.Column\('id', sa\.BigInteger\(\), (autoincrement=True, )?nullable=False\)",
        "sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False)",
        text,
    )
    text = re.sub(r"Create Date: .*", "Create Date: (generated)", text)
    path.write_text(text)
    subprocess.run([sys.executable, "-m", "ruff", "format", str(path)], check=True)


if __name__ == "__main__":
    main(sys.argv[1])
