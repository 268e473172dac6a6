"""Navigation goes through the app: a screen never imports another screen.

Screens know the window only through ``station_client.ui.navigation`` (the ``App``,
``Navigator``, ``Covers`` and ``Documents`` protocols); the router and the covers are the
only modules that build screens. Read from the source with ``ast`` (every import counts,
inside functions and under ``TYPE_CHECKING`` too), so no window is needed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import station_client.ui as ui_package
from schema.vocabulary import ApplicantKind
from station_client.ui.finish import ConfirmScreen, FinishScreen
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.login import SwitchScreen
from station_client.ui.person import PersonScreen
from station_client.ui.viewmodels.desk import Applicant, applicant_of
from station_client.ui.workbench import WorkbenchScreen
from tests.support.stationkit import YOUNG_ID, YOUNG_NAME

UI = Path(ui_package.__file__).parent
PREFIX = "station_client.ui"
# What a screen may import of the window's package (besides the contract, services and core).
SHARED = {"screen", "widgets", "theme", "events", "navigation", "runner", "errors", "documents", "actions"}
PARTS = {"form_fields", "form_side"}  # the form's own widgets, split out for size
BUILDERS = {"router", "covers"}  # the only modules that know the screen classes


def _tree(name: str) -> ast.Module:
    return ast.parse((UI / f"{name}.py").read_text(encoding="utf-8"))


def _modules() -> list[str]:
    return sorted(p.stem for p in UI.glob("*.py") if p.stem != "__init__")


def _screen_modules() -> set[str]:
    """Modules defining a subclass of ``Screen``."""
    out = set()
    for name in _modules():
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "Screen" for b in node.bases
            ):
                out.add(name)
    return out


def _ui_imports(name: str) -> set[str]:
    """The ``station_client.ui`` modules ``name`` imports, by their first name under ``ui``."""
    found = set()
    for node in ast.walk(_tree(name)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            named = node.module == PREFIX  # from station_client.ui import events, theme
            targets = [f"{PREFIX}.{a.name}" for a in node.names] if named else [node.module]
        for target in targets:
            if target.startswith(PREFIX + "."):
                found.add(target[len(PREFIX) + 1 :].split(".")[0])
    return found


def test_the_screens_are_found() -> None:
    screens = _screen_modules()
    assert {"workbench", "person", "items", "form", "finish", "cases", "problems", "login"} <= screens
    assert not screens & (SHARED | PARTS | BUILDERS)


def test_no_screen_imports_another_screen() -> None:
    screens = _screen_modules()
    wrong = {}
    for name in sorted(screens | PARTS):
        imported = _ui_imports(name) - {"viewmodels"}
        other_screens = (imported & screens) - {name}
        not_allowed = imported - SHARED - PARTS - {name}
        if other_screens or not_allowed:
            wrong[name] = sorted(other_screens | not_allowed)
    assert wrong == {}, f"screens reaching past navigation: {wrong}"


def test_only_the_router_and_the_covers_build_screens() -> None:
    screens = _screen_modules()
    builders = {name for name in _modules() if name not in screens | PARTS and _ui_imports(name) & screens}
    assert builders <= BUILDERS, builders


def test_the_app_reaches_screens_typed() -> None:
    """No ``app: Any``: every parameter or attribute called ``app`` names its protocol."""
    untyped = []
    for name in _modules():
        for node in ast.walk(_tree(name)):
            parameter = isinstance(node, ast.arg) and node.arg == "app"
            attribute = isinstance(node, ast.AnnAssign) and ast.unparse(node.target).split(".")[-1] == "app"
            if not (parameter or attribute):
                continue
            annotation = getattr(node, "annotation", None)
            if annotation is None or ast.unparse(annotation) in ("Any", "object"):
                untyped.append(f"{name}.py:{node.lineno}")
    assert untyped == []


def test_a_recorded_applicant_comes_back_to_the_desk() -> None:
    person = applicant_of(
        {"kind": "person", "name": "王建国", "id_number": "511102198005171235", "phone": "13800000000"}
    )
    assert person == Applicant(
        ApplicantKind.PERSON, "王建国", id_number="511102198005171235", phone="13800000000", verified=True
    )
    unit = applicant_of({"kind": "unit", "name": "乐山某某有限公司", "uscc": "91511102MA62ABCDE0"})
    assert (unit.kind, unit.uscc, unit.id_number, unit.verified) == (
        ApplicantKind.UNIT,
        "91511102MA62ABCDE0",
        None,
        True,
    )


# --- the same moves, in the window ------------------------------------------------------


def test_a_cancelled_switch_of_clerk_leaves_the_desk_where_it_was(ui):
    ui.login()
    ui.app.nav.new_applicant(YOUNG_ID)
    person = ui.wait_screen(PersonScreen)
    ui.pump(lambda: person.looked_up, what="the look-up")
    ui.app.covers.switch_clerk()
    switch = ui.wait_screen(SwitchScreen)
    assert not ui.app.body.winfo_ismapped()
    ui.escape(switch.username)
    assert ui.wait_screen(PersonScreen) is person and ui.app.body.winfo_ismapped()
    assert ui.app.session.username == "clerk1" and person.query.get() == YOUNG_ID
    assert [type(s) for s in ui.app.nav.stack] == [WorkbenchScreen, PersonScreen]


def test_after_finishing_the_same_applicant_is_served_again_from_home(ui):
    ui.login()
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, YOUNG_NAME, id_number=YOUNG_ID, verified=True)
    ui.app.nav.open_items()
    ui.wait_screen(ItemsScreen).pick("G02")
    form = ui.wait_screen(FormScreen)
    form.rows["purpose"].set_value("housing")
    form.rows["insurance_types"].set_value(["enterprise_pension"])
    form.side.boxes["id_or_ss_card"].toggle()
    form.on_enter()
    ui.enter(ui.wait_screen(ConfirmScreen).confirm_button)
    finish = ui.wait_screen(FinishScreen)
    assert [type(s) for s in ui.app.nav.stack] == [WorkbenchScreen, FinishScreen]
    finish.same_applicant()
    items = ui.wait_screen(ItemsScreen)
    assert [type(s) for s in ui.app.nav.stack] == [WorkbenchScreen, ItemsScreen]
    assert items.who.cget("text") == f"申请人：{ui.app.desk.applicant.line}" and YOUNG_NAME in items.who.cget(
        "text"
    )
