"""A station install carries none of the server's libraries (docs/design.md §9).

``pyproject.toml`` splits the dependencies: the base (the shared contract), ``station``,
``server`` and ``dev`` (both, plus the tools). Checked here against the metadata of the
installed distributions, so a transitive dependency counts too, and against what the
code really imports.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
SERVER_ONLY = frozenset(
    canonicalize_name(n)
    for n in (
        "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "psycopg-binary",
        "pydantic-settings", "jinja2", "python-multipart",
    )
)  # fmt: skip
SERVER_MODULES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "jinja2",
    "sync_server",
)


def _requirements(*extras: str) -> list[Requirement]:
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        found += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return found


def _closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution these requirements install, by the installed metadata."""
    seen: set[str] = set()
    todo = [(r, set(r.extras)) for r in requirements]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if name == canonicalize_name(PROJECT["name"]):
            todo += [(r, set(r.extras)) for r in _requirements(*req.extras)]
            continue
        if name in seen and not extras:
            continue
        seen.add(name)
        for raw in metadata.requires(name) or ():
            sub = Requirement(raw)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in {"", *extras}):
                todo.append((sub, set(sub.extras)))
    return seen


def _third_party_imports(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    first_party = {"schema", "station_client", "sync_server", "__future__"}
    return {n for n in names if n not in sys.stdlib_module_names and n not in first_party}


def _distributions_of(modules: set[str]) -> dict[str, set[str]]:
    providers = metadata.packages_distributions()
    return {m: {canonicalize_name(d) for d in providers.get(m, [])} for m in modules}


def test_the_station_extra_pulls_in_no_server_library() -> None:
    station = _closure(_requirements("station"))
    assert station & SERVER_ONLY == set()
    assert {"customtkinter", "sqlite-utils", "httpx"} <= station


def test_the_server_extra_has_what_the_server_imports_and_dev_has_everything() -> None:
    server = _closure(_requirements("server"))
    for module, dists in _distributions_of(_third_party_imports("sync_server")).items():
        assert dists & server, f"sync_server imports {module}, which the server extra does not install"
    dev = _closure(_requirements("dev"))
    assert SERVER_ONLY - {"starlette"} <= dev
    assert _closure(_requirements("station")) <= dev


def test_the_station_extra_has_what_the_station_and_the_contract_import() -> None:
    station = _closure(_requirements("station"))
    imported = _third_party_imports("station_client") | _third_party_imports("schema")
    for module, dists in _distributions_of(imported).items():
        assert dists & station, f"{module} is imported by the station but not installed by its extra"


def test_importing_every_station_module_loads_no_server_library() -> None:
    probe = (
        "import importlib, json, pkgutil, sys\n"
        "import station_client, station_client.cli\n"
        "for m in pkgutil.walk_packages(station_client.__path__, 'station_client.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "station_client.ui.app" in loaded  # the walk really reached the window
    assert sorted(m for m in loaded if m.split(".")[0] in SERVER_MODULES) == []
