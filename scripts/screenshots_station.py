"""README screenshots of the station window, taken under Xvfb.

    xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp -noreset" .venv/bin/python scripts/screenshots_station.py

Builds a demo station home in a temporary directory (the test kit's station: 大佛街道,
clerk1, a few persons), takes some cases in, drives the real window in process and
saves ``docs/screenshots/station-workbench.png``, ``station-form.png`` and
``station-receipt.png`` (the first page of an acceptance receipt, via ``pdftoppm``).
Needs ImageMagick's ``import`` and poppler's ``pdftoppm`` (``make system`` installs both).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def shoot(driver: object, name: str) -> Path:
    app = driver.app  # type: ignore[attr-defined]
    app.update()
    subprocess.run(["xdotool", "mousemove", "1360", "760"], check=False)  # no hover colours
    time.sleep(0.3)
    app.update()
    width, height = app.winfo_width(), app.winfo_height()
    x, y = app.winfo_rootx(), app.winfo_rooty()
    target = OUT / name
    subprocess.run(
        [
            "import",
            "-silent",
            "-window",
            "root",
            "-crop",
            f"{width}x{height}+{x}+{y}",
            "+repage",
            str(target),
        ],
        check=True,
    )
    print(f"saved {target.relative_to(ROOT)} ({width}x{height})")
    return target


def jpeg() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "#F7F4EC")
    draw = ImageDraw.Draw(image)
    for n in range(14):
        draw.line((60, 120 + n * 40, 540, 120 + n * 40), fill="#555555", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def main() -> int:
    from schema.identifiers import make_uscc
    from station_client.core.intake_rules import ApplicantInput
    from station_client.paths import StationPaths
    from station_client.services.intake import IntakeRequest, intake
    from station_client.store import meta
    from station_client.ui.form import FormScreen
    from station_client.ui.items import ItemsScreen
    from station_client.ui.person import PersonScreen
    from sync_server.tls import create_city_pki
    from tests.support.dates import first_months_of_this_year, this_month, this_year
    from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, YOUNG_ID, YOUNG_NAME, make_station_home
    from tests.support.uidriver import Driver

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = make_station_home(StationPaths.of(Path(tmp) / "station"))
        session = home.login("clerk1", now=datetime.now(UTC))
        meta.put(home.db, meta.SERVER_URL, "https://127.0.0.1:9")  # no server: the bar shows 离线
        pki = create_city_pki(Path(tmp) / "pki", ["127.0.0.1"])
        home.paths.ca.write_bytes(pki.ca_cert.read_bytes())
        transfer = {
            "transfer_kind": "within_city",
            "new_employer_uscc": make_uscc("91511102MA62ABCDE"),
            "transfer_month": this_month(),
        }
        start, end = first_months_of_this_year(3)  # the real clock: G14 takes this year's months
        flexible = {
            "base": "5000",
            "period_start": start,
            "period_end": end,
            "include_medical": True,
        }
        accepted = intake(
            session,
            IntakeRequest(
                "C009", ApplicantInput(KNOWN_NAME, KNOWN_ID), transfer, ["id_card", "new_employer_proof"]
            ),
        )
        intake(session, IntakeRequest("G14", ApplicantInput(YOUNG_NAME, YOUNG_ID), flexible, ["id_card"]))
        intake(
            session,
            IntakeRequest(
                "G02",
                ApplicantInput(KNOWN_NAME, KNOWN_ID),
                {"purpose": "housing", "insurance_types": ["enterprise_pension"]},
                ["id_or_ss_card"],
            ),
        )
        home.db.close()

        driver = Driver.start(home.paths.home, start_sync=True)
        try:
            driver.login()
            driver.pump(lambda: driver.app.sync.online is False, what="the first sync round")
            driver.settle()
            shoot(driver, "station-workbench.png")

            driver.type_into(driver.screen.query, YOUNG_ID)
            driver.enter(driver.screen.query)
            person = driver.wait_screen(PersonScreen)
            driver.pump(lambda: person.found is not None)
            driver.enter()
            items = driver.wait_screen(ItemsScreen)
            driver.type_into(items.query, "cxjmyl")  # 城乡居民养老…: pinyin initials
            items.pick("G09")
            form = driver.wait_screen(FormScreen)
            form.rows["grade"].set_value("300")
            driver.type_into(form.rows["year"].entry, str(this_year()))
            driver.type_into(form.rows["household_division"].entry, "dfjd")
            form.rows["household_division"].set_value("511102004")
            form.rows["not_in_other_pension"].pick(True)
            driver.type_into(form.rows["contact_phone"].entry, "1381234")  # one wrong field
            for name in ("grade", "year", "household_division", "not_in_other_pension", "contact_phone"):
                form.model.set_raw(name, form.rows[name].value())
                form._left(name)
            scan = Path(tmp) / "身份证.jpg"
            scan.write_bytes(jpeg())
            form.attach_files("id_card", [scan])
            driver.settle()
            form.rows["contact_phone"].focus_input()
            driver.app.update_idletasks()
            form.left.see(form.rows["contact_phone"])
            shoot(driver, "station-form.png")

            printed: list[Path] = []
            driver.app.documents.print_receipts([accepted.case_number], printed.extend)
            driver.pump(lambda: printed, what="the receipt")
            prefix = OUT / "station-receipt"
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(printed[0]),
                    str(prefix),
                ],
                check=True,
            )
            print(f"saved {prefix.with_suffix('.png').relative_to(ROOT)}")
        finally:
            driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
