"""Run the Alembic migrations shipped in ``sync_server/migrations`` (no alembic.ini needed)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sync_server.db.engine import Database


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sync_server") / "migrations"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent)."""
    _run(db, lambda cfg: command.upgrade(cfg, revision))


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (tests that replay an older release's data)."""
    _run(db, lambda cfg: command.downgrade(cfg, revision))


def _run(db: Database, step: Callable[[Config], None]) -> None:
    cfg = _config()
    with db.engine.connect() as conn:
        # SQLite's batch mode copies a table and drops the original: with foreign keys on,
        # dropping a table other rows reference fails. SQLite's own recipe: keys off outside
        # the transaction (the pragma is ignored inside one), checked before the commit.
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"迁移后外键不一致（已回滚）：{broken[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()
