"""选择业务 by keyboard: the same keys (lhjy ↓ 回车) open the same item after the desk has been
busy with another one of the same search."""

from __future__ import annotations

from datetime import UTC, datetime

from schema.vocabulary import ApplicantKind
from station_client.core.intake_rules import ApplicantInput
from station_client.services.intake import IntakeRequest, intake
from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.viewmodels.desk import Applicant
from tests.support.dates import month_of_this_year
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME


def _pick_by_keys(ui, keys: str) -> str:
    ui.app.desk.applicant = Applicant(ApplicantKind.PERSON, KNOWN_NAME, id_number=KNOWN_ID, verified=True)
    ui.app.nav.open_items()
    items = ui.wait_screen(ItemsScreen)
    ui.type_into(items.query, keys)
    ui.key(items.query, "Down")
    ui.enter(items.table.view)
    form = ui.wait_screen(FormScreen)
    code = form.item.code
    ui.app.nav.home()
    return code


def test_the_same_keys_open_the_same_item_after_another_was_used_often(ui, ui_home):
    ui.login()
    first = _pick_by_keys(ui, "lhjy")
    assert first == "G12"

    session = ui_home.login("clerk1", now=datetime.now(UTC))
    form = {"base": "5000", "period_start": month_of_this_year(1), "period_end": month_of_this_year(1)}
    for _ in range(3):  # the desk takes in 灵活就业人员缴费 (G14) all morning
        request = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), form, ["id_card"])
        intake(session, request, now=datetime.now(UTC))
    ui.app.cases_changed()
    ui.pump(lambda: ui.app.reference.usage.recent[:1] == ("G14",), what="G14 as the latest item used")

    assert _pick_by_keys(ui, "lhjy") == first
