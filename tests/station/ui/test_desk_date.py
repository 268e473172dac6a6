"""The window judges by the date in Beijing, not UTC's.

At 00:30 on 1 January in Leshan it is still 31 December in UTC; a window that took the UTC
date would refuse this year's G14 months as "after this year" while the intake service,
which counts in Beijing time, takes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from station_client.ui.form import FormScreen
from station_client.ui.items import ItemsScreen
from station_client.ui.person import PersonScreen
from tests.support.stationkit import KNOWN_ID
from tests.support.uidriver import Driver

NEW_YEARS_NIGHT = datetime(2027, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2028 in Leshan


def test_just_after_midnight_on_new_years_day_the_form_counts_in_the_new_year(ui_home):
    driver = Driver.start(ui_home.paths.home, start_sync=False, clock=lambda: NEW_YEARS_NIGHT)
    try:
        assert driver.app.today() == date(2028, 1, 1)
        driver.login()
        driver.type_into(driver.screen.query, KNOWN_ID)
        driver.enter(driver.screen.query)
        person = driver.wait_screen(PersonScreen)
        driver.pump(lambda: person.found is not None, what="the registry record")
        driver.enter()
        items = driver.wait_screen(ItemsScreen)
        driver.type_into(items.query, "G14")
        driver.enter(items.query)
        form = driver.wait_screen(FormScreen)
        assert form.model.today == date(2028, 1, 1)
        driver.type_into(form.rows["base"].entry, "5000")
        driver.type_into(form.rows["period_start"].entry, "2028-01")
        driver.type_into(form.rows["period_end"].entry, "2028-02")
        form.model.touch_all()
        verdict = form.model.verdict()
        for name in ("period_start", "period_end"):
            assert form.model.message(name, verdict) is None, form.model.message(name, verdict)
    finally:
        driver.close()
    driver.assert_no_errors()
