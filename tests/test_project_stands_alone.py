"""The project stands alone: its design and its sources are in the repository, and no file
points outside it (docs/design.md, docs/sources.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "build", "dist", "demo-data", "node_modules", "__pycache__", ".mypy_cache"}
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".toml",
    ".json",
    ".csv",
    ".txt",
    ".html",
    ".css",
    ".js",
    ".spec",
    ".ini",
    ".cfg",
}
TEXT_NAMES = {"Makefile", "README", "run"}
THIS = Path(__file__).resolve()

# Design notes and reference files that lived beside the repository, never in it.
OUTSIDE = re.compile(r"DESIGN\.md|DESIGN §|\.\./shared|/work/shared|shared/reference|facts\.md|toolchain\.md")
CITATION = re.compile(r"docs/(design|sources)\.md §(\d+)")


def _project_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES) and path.resolve() != THIS:
            found.append(path)
    return found


def _texts() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in _project_files()}


def test_no_project_file_points_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}"
        for path, text in _texts().items()
        for n, line in enumerate(text.splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_every_cited_section_exists() -> None:
    sections = {
        name: set(
            re.findall(r"^##+ (\d+)\.", (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8"), re.M)
        )
        for name in ("design", "sources")
    }
    cited = {(m[0], m[1]) for text in _texts().values() for m in CITATION.findall(text)}
    assert cited, "nothing cites docs/design.md or docs/sources.md"
    assert sorted(c for c in cited if c[1] not in sections[c[0]]) == []


def _listed_modules(package: str) -> set[str]:
    init = ROOT / package.replace(".", "/") / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    words = set(re.findall(r"\b([a-z][a-z0-9_]*)\b", doc))
    return _modules(init.parent) & words


def _modules(folder: Path) -> set[str]:
    """The modules and subpackages of a package folder."""
    files = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    return files | {p.parent.name for p in folder.glob("*/__init__.py")}


SERVICE_PACKAGES = (
    "station_client.services",
    "sync_server.services",
    "sync_server.demo",
    *(
        f"sync_server.services.{p.parent.name}"
        for p in sorted((ROOT / "sync_server/services").glob("*/__init__.py"))
    ),
)


def test_the_services_packages_list_their_modules() -> None:
    for package in SERVICE_PACKAGES:
        init = ROOT / package.replace(".", "/") / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        modules = _modules(init.parent)
        # a module name at the start of a docstring line is a listing; each must exist …
        listed = set(re.findall(r"^\s*([a-z][a-z0-9_]*)\s{2,}", doc, re.M))
        assert listed - modules == set(), f"{package} lists modules that do not exist"
        # … and every module is listed
        assert modules - _listed_modules(package) == set(), f"{package}'s docstring misses modules"
