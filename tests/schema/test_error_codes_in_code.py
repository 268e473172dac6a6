"""Every error code the code base can report is in ``schema.error_codes`` (and so in README).

An AST walk over schema/, station_client/ and sync_server/ collects each string literal
used as a code:

* an argument bound to a parameter named ``code`` of a function or class defined in
  the code base (``raise ServiceError("login_needs_key", ...)``, ``ApiError(...)``,
  ``Failure(...)``, ``SyncProblem(...)``, ``throttle.check(..., code="enrol_locked")``);
* the value of a ``"code"`` key in a dict literal (error bodies built by hand);
* a class attribute ``code = "..."`` (exception classes that carry their code);
* a literal compared with something called ``code`` (``exc.code == "..."``).

Codes are snake_case; literals that are not (item codes such as ``G14``, division codes,
sentences given to a plain ``ValueError``) are not error codes and are skipped.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from schema.error_codes import error_codes

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schema", "station_client", "sync_server")
CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")  # at least two words: "station_unknown"


def _sources(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            yield str(path.relative_to(root)), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _Callables:
    """Where each callable of the code base takes its ``code`` parameter (positions, ``self``
    not counted).

    A class takes its ``__init__``'s (or, for a dataclass, its fields' order); a subclass
    without its own ``__init__`` inherits its base's. A function is looked up first in the
    calling module (``_error(...)``, ``self._fail(...)``), then by name across the code
    base, where a name defined more than once and not always with a ``code`` parameter
    (``get``, ``check``) is left out: a call to it cannot be told apart by name.
    """

    def __init__(self, modules: list[tuple[str, ast.Module]]) -> None:
        self.local: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.shared: dict[str, set[int]] = defaultdict(set)
        defined: dict[str, int] = defaultdict(int)
        with_code: dict[str, int] = defaultdict(int)
        bases: dict[str, list[str]] = {}
        for where, module in modules:
            for node in ast.walk(module):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "__init__":
                    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                    if names and names[0] in ("self", "cls"):
                        names = names[1:]
                    defined[node.name] += 1
                    if "code" in names:
                        with_code[node.name] += 1
                        self.local[(where, node.name)].add(names.index("code"))
                        self.shared[node.name].add(names.index("code"))
                elif isinstance(node, ast.ClassDef):
                    bases[node.name] = [
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                    ]
                    init = next(
                        (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                        None,
                    )
                    if init is not None:
                        names = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]
                    else:  # a dataclass: its fields in order
                        names = [
                            n.target.id
                            for n in node.body
                            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                        ]
                    if "code" in names:
                        self.shared[node.name].add(names.index("code"))
                    elif init is not None:
                        bases[node.name] = []  # its own __init__ without a code: inherits nothing
        for name, count in defined.items():
            if name not in bases and with_code[name] != count:
                self.shared.pop(name, None)
        changed = True
        while changed:  # subclasses inherit their base's code position
            changed = False
            for name, parents in bases.items():
                for parent in parents:
                    if self.shared.get(parent) and not self.shared[parent] <= self.shared[name]:
                        self.shared[name] |= self.shared[parent]
                        changed = True

    def positions(self, where: str, call: ast.Call) -> set[int]:
        func = call.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute):
            name = func.attr
            if not (isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")):
                return self.shared.get(name, set())
        else:
            return set()
        return self.local.get((where, name)) or self.shared.get(name, set())


def _is_code(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "code") or (
        isinstance(node, ast.Name) and node.id == "code"
    )


@cache  # one walk for both tests
def _codes_used(root: Path = ROOT) -> dict[str, list[str]]:
    modules = list(_sources(root))
    callables = _Callables(modules)
    used: dict[str, list[str]] = defaultdict(list)
    for where, module in modules:
        for node in ast.walk(module):
            found: list[str | None] = []
            if isinstance(node, ast.Call):
                found += [
                    _literal(node.args[i]) for i in callables.positions(where, node) if i < len(node.args)
                ]
                found += [_literal(k.value) for k in node.keywords if k.arg == "code"]
            elif isinstance(node, ast.Dict):
                found += [
                    _literal(v) for k, v in zip(node.keys, node.values, strict=True) if _literal(k) == "code"
                ]
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(_is_code(t) for t in item.targets):
                        found.append(_literal(item.value))
            elif isinstance(node, ast.Compare) and any(_is_code(s) for s in (node.left, *node.comparators)):
                for side in (node.left, *node.comparators):
                    found += [
                        _literal(i)
                        for i in (side.elts if isinstance(side, ast.Tuple | ast.Set | ast.List) else [side])
                    ]
            for code in found:
                if code is not None and CODE.fullmatch(code):
                    used[code].append(f"{where}:{getattr(node, 'lineno', 0)}")
    return used


def test_the_walk_finds_codes_raised_in_every_way() -> None:
    used = _codes_used()
    for code, how in {
        "fee_no_rates": "raise FeeError(code, ...)",
        "catalog_form_empty": "self._fail(code, ...) in the same module",
        "station_unknown": "raise ApiError(code)",
        "enrol_locked": "throttle.check(..., code=...)",
        "login_needs_key": "raise ServiceError(code, ...), exc.code != code",
        "digest_mismatch": "SyncProblem(code, ...), a dataclass",
        "promised_date_pending": "Notice(code, ...)",
        "body_too_large": '{"code": code} in a hand-built body',
        "credential_wrong": "code = ... on an exception class",
        "home_not_enrolled": "raise Failure(code, ...) in station-client",
    }.items():
        assert code in used, f"{code}: {how}"


def test_every_code_the_code_base_can_report_is_in_the_table() -> None:
    known = error_codes()
    missing = {code: places[:3] for code, places in sorted(_codes_used().items()) if code not in known}
    assert not missing, (
        "codes used in the code but not in schema.error_codes (add each with its Chinese message "
        "to its area's table, then regenerate README's table with `.venv/bin/python -m schema.error_codes`):\n"
        + "\n".join(f"  {code}: {', '.join(places)}" for code, places in missing.items())
    )
