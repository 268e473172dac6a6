"""The server's layers, read from the source with ``ast`` (docs/server.md "The database seam"):

* services and the pure core never import the HTTP layer (``sync_server.api``): they raise
  ``sync_server.errors.ApiError``;
* the API and the console call services: they import no SQLAlchemy and no table;
* the one place that picks a dialect's ``INSERT`` is ``sync_server/db/``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "sync_server"


def _modules(*rooms: str) -> list[Path]:
    return sorted(path for room in rooms for path in (SERVER / room).rglob("*.py"))


def _imports(path: Path) -> Iterator[str]:
    """Every dotted name the module imports, also inside functions (``from a import b``: a and a.b)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(SERVER.parent)}: {name}"
        for path in paths
        for name in sorted(set(_imports(path)))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_services_and_core_do_not_import_the_http_layer() -> None:
    paths = _modules("services", "core")
    assert len(paths) > 20
    assert _offenders(paths, ("sync_server.api", "fastapi", "starlette")) == []


@pytest.mark.parametrize("room", ["api", "console", "public"])
def test_routes_call_services_not_tables(room: str) -> None:
    paths = _modules(room)
    assert paths
    assert _offenders(paths, ("sqlalchemy", "sync_server.db.tables")) == []


def test_only_the_db_package_picks_a_dialects_insert() -> None:
    outside = [
        p for p in SERVER.rglob("*.py") if SERVER / "db" not in p.parents and "migrations" not in p.parts
    ]
    forbidden = ("sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql.insert")
    assert _offenders(outside, forbidden) == []
    spelled = [
        f"{p.relative_to(SERVER.parent)}"
        for p in outside
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in {"on_conflict_do_nothing", "on_conflict_do_update"}
    ]
    assert spelled == []
