"""The layout's two rules, read from the source with ``ast`` (docs/design.md):

* no import cycle between modules of ``schema/``, ``station_client/`` and ``sync_server/``;
  every import counts, also one inside a function or under ``if TYPE_CHECKING:`` (a lazy or
  typing-only import hides a cycle from the interpreter, not from the reader: issue 11
  names ``ingest_apply`` <-> ``ingest_followups``, whose one side is typing-only);
* the pure rooms, ``schema/`` and every ``core/`` package, import no storage, network or
  window library themselves (they may use a module that does, never the library directly).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("schema", "station_client", "sync_server")
IMPURE = frozenset({"sqlite3", "sqlalchemy", "httpx", "fastapi", "tkinter", "customtkinter"})


def _modules() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its ``__init__``)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported_names(name: str, path: Path) -> Iterator[str]:
    """Dotted names this module imports, anywhere in its body, relative ones made absolute;
    ``from a import b`` yields ``a.b`` too, for when ``b`` is a module."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def _target(imported: str) -> str | None:
    """The project module an imported name loads (its longest dotted prefix that is one)."""
    parts = imported.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for imported in _imported_names(name, path):
            target = _target(imported)
            # A package's __init__ is run before its modules, but that is not an import
            # the module makes: only what the code names is an edge.
            if target is not None and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot hit the recursion limit.
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def _pure_modules() -> list[str]:
    """``schema/`` and every module inside a ``core/`` package, at any depth."""
    return sorted(
        name
        for name, path in MODULES.items()
        if name.split(".")[0] == "schema" or "core" in path.relative_to(ROOT).parts[:-1]
    )


# --- the checker itself, on made-up graphs and sources -----------------------------------


def test_the_cycle_finder_finds_a_three_module_loop_and_nothing_in_a_tree() -> None:
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(loop) == [["a", "b", "c"]]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]


def test_imports_inside_functions_typing_blocks_and_relative_imports_are_edges(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "import os\n"
        "from . import sibling\n"
        "from ..core import rules as r\n"
        "def later():\n"
        "    from schema.money import to_fen\n"
        "if TYPE_CHECKING:\n"
        "    from station_client.ui.app import StationApp\n",
        encoding="utf-8",
    )
    names = set(_imported_names("station_client.ui.mod", source))
    assert {"os", "station_client.ui.sibling", "station_client.core.rules", "schema.money"} <= names
    assert "station_client.ui.app" in names
    assert _target("schema.money.to_fen") == "schema.money"
    assert _target("sqlite3") is None


def test_the_graph_sees_the_projects_own_imports() -> None:
    graph = import_graph()
    assert "schema.money" in graph["schema.fees"]  # a plain top-level import
    assert len(MODULES) > 100 and sum(map(len, graph.values())) > 300


# --- the rules ---------------------------------------------------------------------------


def test_no_import_cycle_between_modules() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def impure_imports(name: str, path: Path) -> list[str]:
    """The forbidden libraries this module imports itself (by top-level name)."""
    return sorted({i.split(".")[0] for i in _imported_names(name, path)} & IMPURE)


def test_the_purity_check_flags_a_direct_import_only(tmp_path: Path) -> None:
    source = tmp_path / "rules.py"
    source.write_text(
        "from sqlalchemy.engine import Connection\n"
        "def draw():\n"
        "    import tkinter as tk\n"
        "from station_client.store import outbox\n",  # impure itself, but not directly here
        encoding="utf-8",
    )
    assert impure_imports("station_client.core.rules", source) == ["sqlalchemy", "tkinter"]


def test_schema_and_core_packages_import_no_storage_network_or_window_library() -> None:
    offenders = {name: found for name in _pure_modules() if (found := impure_imports(name, MODULES[name]))}
    assert offenders == {}


def test_the_pure_rooms_are_the_ones_meant() -> None:
    pure = set(_pure_modules())
    assert {"schema", "schema.fees", "station_client.core", "sync_server.core.clock"} <= pure
    assert not pure & {"sync_server.services.audit", "station_client.store", "station_client.ui.app"}
