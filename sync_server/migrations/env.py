"""Alembic environment: migrations run on the connection handed over by sync_server.db.migrate."""

from __future__ import annotations

from alembic import context

from sync_server.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise SystemExit("请使用 `sync-server db upgrade --data-dir D` 运行数据库迁移。")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
