"""README screenshots of the station window, from ``make demo``'s seeded history, under Xvfb.

    xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp -noreset" \\
        .venv/bin/python scripts/screenshots_station.py [--out docs/screenshots] [--keep DIR] [--cache DIR]

Seeds a fresh data directory the way ``make demo`` does (``sync-server init``, then
``sync-server seed-demo --weeks 6``, see ``scripts/screenshots_demo.py``) and starts a real
``sync-server serve`` over HTTPS. Then, as ``make demo`` and a desk would, with the real
commands: ``sync-server station new-code`` and ``station-client enroll`` for the demo desk
station of 大佛街道 (511102004-00), ``sync-server receipts allocate`` (its 缴费收据 numbers), the first clerk's first ``station-client sync`` (the
recovery key opens the store; the township's slice comes down), and three cases of today
taken with ``station-client intake`` for people of the township's registry: a flexible
worker's contributions (G14, paid at the desk), a retirement (C019, with its scans) and a
resident's back-payment (C012, paid at the desk). They go up with the next sync; the
city's reviewers then decide through the review service (养老保险科 returns the
retirement: the approval form is missing; 城乡居民养老保险科 approves the back-payment) and
a sync brings the decisions down. The window (in process, 1366×768, clerk.dafo.1) saves:

    station-workbench.png    首页 after the sync: today's figures, the returned and decided cases
    station-form.png         a C012 form being filled: the fee, the materials panel (one scan, one missing)
    station-cases.png        本站业务: today's cases with the city's decisions
    station-supplement.png   the 补正 form of the returned retirement: the reason, what is asked for
    station-receipt.png      page 1 of the retirement's acceptance receipt (受理回执)
    station-payment.png      page 1 of the G14 payment receipt (缴费收据)

(the receipts printed by ``station-client receipt``, as the window's 重印 prints them, and
turned into PNG by ``pdftoppm``).

Needs ImageMagick's ``import``, ``xdotool`` and poppler's ``pdftoppm`` (``make system``).
``--keep DIR`` keeps the data directories; ``--cache DIR`` seeds once into DIR and copies it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from scripts.screenshots_demo import BIN, PERSONS, WEEKS, Demo, seeded, serving  # noqa: E402
from sync_server.demo.seed import DESK_STATION  # noqa: E402
from tests.support.serve_process import Served  # noqa: E402

CLERK = "clerk.dafo.1"
TOWNSHIP = DESK_STATION[:9]
BEIJING = dt.timezone(dt.timedelta(hours=8))


def run(args: list[str], *, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> str:
    print(f"$ {' '.join([Path(args[0]).name, *args[1:]])}", flush=True)
    done = subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if done.returncode not in ok:
        raise SystemExit(
            f"命令失败（退出码 {done.returncode}）：{' '.join(args)}\n{done.stdout}{done.stderr}"
        )
    return done.stdout


# ---- the township's people, as the registry has them ------------------------------------------


def person(served: Served, *, insurance: str, kind: str, sex: str | None = None,
           born: tuple[int, int] | None = None, skip: int = 0) -> Any:  # fmt: skip
    """Someone of 大佛街道 with an active enrolment of ``insurance`` as ``kind``, no case yet."""
    from sync_server.db.tables import cases, enrolments, persons

    query = (
        sa.select(
            persons.c.id_number, persons.c.name, persons.c.birth_date, persons.c.sex, enrolments.c.unit_uscc
        )
        .join(enrolments, enrolments.c.id_number == persons.c.id_number)
        .where(
            enrolments.c.insurance_type == insurance,
            enrolments.c.kind == kind,
            enrolments.c.status == "active",
            persons.c.status == "alive",
            persons.c.township_code == TOWNSHIP,
            persons.c.id_number.not_in(sa.select(cases.c.applicant_key)),
        )
        .order_by(persons.c.id_number)
    )
    if sex is not None:
        query = query.where(persons.c.sex == sex)
    if born is not None:
        query = query.where(persons.c.birth_date.between(dt.date(born[0], 1, 1), dt.date(born[1], 12, 31)))
    with served.db.read() as conn:
        return conn.execute(query.offset(skip).limit(1)).one()


def scans(folder: Path, name: str) -> dict[str, Path]:
    """An ID card and a retirement form as the desk's scanner delivers them (PNG, PDF)."""
    from tests.support.console_world import scan_pdf, scan_png

    card = scan_png(
        "居民身份证（复印件）", [f"姓名：{name}", "性别：男　民族：汉", "住址：四川省乐山市市中区大佛街道"]
    )
    form = scan_png("职工退休审批表", ["单位：（盖章）", f"本人签字：{name}", "经办人：前台综合柜员"])
    (folder / "身份证.png").write_bytes(card)
    (folder / "退休审批表.pdf").write_bytes(scan_pdf(form))
    return {"id_card": folder / "身份证.png", "retirement_form": folder / "退休审批表.pdf"}


def todays_cases(served: Served) -> list[dict[str, Any]]:
    """The three case files ``station-client intake`` takes (its template's shape)."""
    from schema.retirement_age import WorkerCategory, statutory_retirement

    today = dt.datetime.now(BEIJING).date()
    flexible = person(served, insurance="enterprise_pension", kind="flexible")
    year = today.year
    retiring = person(
        served, insurance="enterprise_pension", kind="employee", sex="male", born=(year - 60, year - 60)
    )
    resident = person(served, insurance="resident_pension", kind="resident", born=(year - 55, year - 45))
    born = (
        retiring.birth_date
        if isinstance(retiring.birth_date, dt.date)
        else dt.date.fromisoformat(str(retiring.birth_date))
    )
    retirement = {
        "retirement_month": statutory_retirement(born, WorkerCategory.MALE_60).month,
        "worker_category": "male_60",
        "work_start_date": f"{born.year + 20}-07-01",
        "archive_location": "乐山市人才交流中心",
        "contact_phone": "13908331234",
    } | ({"employer_uscc": retiring.unit_uscc} if retiring.unit_uscc else {})
    return [
        {"item_code": "G14", "applicant": {"name": flexible.name, "id_number": flexible.id_number},
         "form": {"base": "6117", "period_start": f"{year}-{today.month:02d}", "period_end": f"{year}-12",
                  "include_medical": True},
         "materials_provided": ["id_card"], "scans": []},
        {"item_code": "C019", "applicant": {"name": retiring.name, "id_number": retiring.id_number},
         "form": retirement, "materials_provided": ["id_card", "personnel_archive", "retirement_form"],
         "scans": "retirement"},
        {"item_code": "C012", "applicant": {"name": resident.name, "id_number": resident.id_number},
         "form": {"grade": "500", "year": year - 1, "reason": "interrupted"},
         "materials_provided": ["id_card", "back_payment_application"], "scans": []},
    ]  # fmt: skip


# ---- the desk station, with the real commands -------------------------------------------------


def enrol(served: Served, home: Path) -> str:
    """``station new-code``, ``station-client enroll`` and a range of receipt numbers for the
    station (``receipts allocate``): the recovery key enroll shows once."""
    issued = run(
        [str(BIN / "sync-server"), "station", "new-code", DESK_STATION, "--data-dir", str(served.data_dir)]
    )
    code = re.search(r"注册码：(\S+)", issued)
    assert code, issued
    shown = run([str(BIN / "station-client"), "enroll", "--home", str(home), "--server", served.url,
                 "--ca", str(served.ca), "--code", code.group(1)])  # fmt: skip
    key = re.search(r"恢复密钥.*\n\s+(\S+)", shown)
    assert key, shown
    # 综合业务科 hands the station a range of 缴费收据 numbers: without one the desk takes no cash.
    run([str(BIN / "sync-server"), "receipts", "allocate", DESK_STATION, "--series", "51110226", "--count", "500",
         "--data-dir", str(served.data_dir)])  # fmt: skip
    return key.group(1)


def take_cases(served: Served, home: Path, demo: Demo, recovery: str, work: Path) -> dict[str, str]:
    """The first login and sync, then today's cases through ``station-client intake``: item → number."""
    env = {"SSB_PASSWORD": demo.passwords[CLERK], "SSB_RECOVERY_KEY": recovery}
    client = str(BIN / "station-client")
    run([client, "sync", "--home", str(home), "--user", CLERK], env=env)
    numbers = {}
    for case in todays_cases(served):
        if case["scans"] == "retirement":
            files = scans(work, case["applicant"]["name"])
            case["scans"] = [{"material_code": code, "path": str(path)} for code, path in files.items()]
        path = work / f"{case['item_code']}.json"
        path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
        out = run([client, "intake", "--home", str(home), "--user", CLERK, "--item", case["item_code"],
                   "--input", str(path), "--json"], env=env)  # fmt: skip
        numbers[case["item_code"]] = json.loads(out)["case_number"]
    run([client, "sync", "--home", str(home), "--user", CLERK], env=env)
    return numbers


def review(served: Served, numbers: dict[str, str]) -> None:
    """The city's reviewers, through the review service: the retirement returned, the back-payment approved."""
    from schema.lifecycle import Actor, CaseEvent
    from schema.vocabulary import Section
    from sync_server.db.tables import cases
    from sync_server.services.review import decide

    steps = [
        (numbers["C019"], Actor.reviewer("review.pension", Section.PENSION), CaseEvent.RETURN_FOR_SUPPLEMENT,
         "职工退休审批表缺单位盖章，请单位盖章后补交。", ["retirement_form"]),
        (numbers["C012"], Actor.reviewer("review.resident", Section.RESIDENT_PENSION), CaseEvent.APPROVE, "", []),
    ]  # fmt: skip
    for number, actor, event, reason, missing in steps:
        with served.db.write() as conn:
            case_id = conn.execute(
                sa.select(cases.c.case_id).where(cases.c.case_number == number)
            ).scalar_one()
            decide.claim(conn, case_id, actor=actor, now=dt.datetime.now(dt.UTC))
            decide.decide(conn, case_id, event, actor=actor, now=dt.datetime.now(dt.UTC), reason=reason,
                          missing=missing)  # fmt: skip


# ---- the window -------------------------------------------------------------------------------


def shoot(driver: Any, out: Path, name: str) -> Path:
    app = driver.app
    app.update()
    subprocess.run(["xdotool", "mousemove", "1360", "760"], check=False)  # no hover colours
    time.sleep(0.3)
    app.update()
    width, height = app.winfo_width(), app.winfo_height()
    x, y = app.winfo_rootx(), app.winfo_rooty()
    target = out / name
    subprocess.run(["import", "-silent", "-window", "root", "-crop", f"{width}x{height}+{x}+{y}", "+repage",
                    str(target)], check=True)  # fmt: skip
    print(f"已保存 {target} ({width}x{height})", flush=True)
    return target


def first_page(pdf: Path, target: Path) -> None:
    prefix = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True)  # fmt: skip
    print(f"已保存 {target}", flush=True)


def window(home: Path, demo: Demo, numbers: dict[str, str], other: str, *, out: Path, work: Path) -> None:
    """The clerk's screens; ``other``: the ID number typed for the half-filled form."""
    from station_client.ui.cases import CaseDetailScreen, CasesScreen
    from station_client.ui.form import FormScreen
    from station_client.ui.items import ItemsScreen
    from station_client.ui.person import PersonScreen
    from station_client.ui.workbench import WorkbenchScreen
    from tests.support.uidriver import Driver

    driver = Driver.start(home, start_sync=True)
    try:
        driver.login(CLERK, demo.passwords[CLERK])
        driver.pump(lambda: driver.app.sync.online is True, what="the first sync round")
        driver.settle()
        driver.app.nav.home()
        driver.wait_screen(WorkbenchScreen)
        shoot(driver, out, "station-workbench.png")

        driver.key(driver.screen.query, "F3")  # 本站业务
        cases = driver.wait_screen(CasesScreen)
        cases.table.focus_table()
        driver.settle()
        shoot(driver, out, "station-cases.png")

        returned = next(c for c in cases.rows.values() if c.case_number == numbers["C019"])
        driver.app.nav.open_case(returned.case_id)
        detail = driver.wait_screen(CaseDetailScreen)
        driver.pump(lambda: detail.detail is not None, what="the case")
        detail.supplement()  # 补正（补交材料）
        form = driver.wait_screen(FormScreen)
        shoot(driver, out, "station-supplement.png")
        driver.app.nav.home()
        driver.settle()

        driver.wait_screen(WorkbenchScreen)
        driver.type_into(driver.screen.query, other)
        driver.enter(driver.screen.query)
        found = driver.wait_screen(PersonScreen)
        driver.pump(lambda: found.found is not None, what="the person")
        driver.enter()
        items = driver.wait_screen(ItemsScreen)
        driver.type_into(items.query, "cxjmylbj")  # 城乡居民养老保险补缴: pinyin initials
        items.pick("C012")
        form = driver.wait_screen(FormScreen)
        form.rows["grade"].set_value("300")
        driver.type_into(form.rows["year"].entry, str(dt.datetime.now(BEIJING).year - 1))
        form.rows["reason"].set_value("interrupted")
        for name in ("grade", "year", "reason"):
            form.model.set_raw(name, form.rows[name].value())
            form._left(name)
        card = work / "身份证.png"
        form.attach_files("id_card", [card])
        driver.settle()
        form.rows["year"].focus_input()
        shoot(driver, out, "station-form.png")
        driver.app.nav.home()
        driver.settle()

        driver.assert_no_errors()
    finally:
        driver.close()


def receipts(home: Path, demo: Demo, numbers: dict[str, str], out: Path, work: Path) -> None:
    """Page 1 of the retirement's 受理回执 and of the G14 缴费收据, printed as 重印 does."""
    env = {"SSB_PASSWORD": demo.passwords[CLERK]}
    for number, kind, name in ((numbers["C019"], "受理回执", "station-receipt.png"),
                               (numbers["G14"], "缴费收据", "station-payment.png")):  # fmt: skip
        pdf = work / f"{name}.pdf"
        run([str(BIN / "station-client"), "receipt", "--home", str(home), "--user", CLERK, number,
             "--kind", kind, "--out", str(pdf)], env=env)  # fmt: skip
        first_page(pdf, out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--keep", type=Path, help="work in (and keep) this directory instead of a temporary one"
    )
    parser.add_argument("--cache", type=Path, help="seed once into this directory, copy it on later runs")
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--persons", type=int, default=PERSONS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = (args.keep or Path(tmp)).resolve()
        demo = seeded(work, weeks=args.weeks, persons=args.persons, cache=args.cache)
        home = work / "station-dafo"
        with serving(demo) as served:
            recovery = enrol(served, home)
            numbers = take_cases(served, home, demo, recovery, work)
            review(served, numbers)
            year = dt.datetime.now(BEIJING).year
            other = person(
                served, insurance="resident_pension", kind="resident", born=(year - 55, year - 45), skip=1
            )
            window(home, demo, numbers, other.id_number, out=args.out, work=work)
            receipts(home, demo, numbers, args.out, work)


if __name__ == "__main__":
    main()
