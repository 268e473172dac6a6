"""Screenshots of the city console for the README (queue, case page, dashboard), 1366×768.

    .venv/bin/python scripts/screenshots_console.py [--out docs/screenshots] [--keep DIR]

Starts a real ``sync-server serve`` over HTTPS on a fresh data directory, seeds the demo
registry, stations and accounts (``seed-demo``), enrols the demo stations, pushes three
weeks of cases from them the way stations push (signed, with scanned materials uploaded
on the attachment path), has the pension section decide some of them, then drives
Debian's Chromium (Playwright, headless, trusting exactly the server's certificate) to
log in as the pension reviewer and the supervisor and save:

    docs/screenshots/console-queue.png      the pension section's queue
    docs/screenshots/console-case.png       a case page (registry beside the request, scans)
    docs/screenshots/console-dashboard.png  the supervision dashboard
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from schema.catalog import load_catalog  # noqa: E402
from schema.lifecycle import Actor, CaseEvent  # noqa: E402
from schema.vocabulary import Section  # noqa: E402
from sync_server.db.engine import Database  # noqa: E402
from sync_server.db.tables import cases, enrolments, persons  # noqa: E402
from sync_server.demo.seed import DemoAccount, seed_demo  # noqa: E402
from sync_server.services.admin.stations import complete_enrolment  # noqa: E402
from sync_server.services.review import decide as review  # noqa: E402
from tests.support.console_world import (  # noqa: E402
    CHROMIUM,
    by_clerk,
    chromium_args,
    push_ops,
    retirement_case,
)
from tests.support.dates import this_year  # noqa: E402
from tests.support.factories import BEIJING, Station, accept_op  # noqa: E402
from tests.support.serve_process import Served, serve  # noqa: E402

VIEWPORT: Any = {"width": 1366, "height": 768}
C029 = {
    "direction": "resident_to_employee",
    "employee_pension_years": 10,
    "other_place": "成都市",
    "contact_phone": "13912345678",
}
C029_MATERIALS = ("application_form", "id_or_ss_card", "contribution_voucher")
NAMES = [
    "王建华",
    "李秀英",
    "张伟",
    "刘芳",
    "陈静",
    "杨洋",
    "赵磊",
    "黄敏",
    "周杰",
    "吴桂英",
    "徐丽",
    "孙强",
    "胡军",
    "朱红",
    "高峰",
    "林涛",
    "何平",
    "郭亮",
    "马超",
    "罗琳",
]


def enrol_demo_stations(db: Database, station_ids: list[str]) -> dict[str, Station]:
    out = {}
    with db.write() as conn:
        for station_id in station_ids:
            key = Ed25519PrivateKey.generate()
            raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            complete_enrolment(conn, station_id, raw, now=dt.datetime.now(dt.UTC), actor="screenshots")
            out[station_id] = Station(station_id, key)
    return out


def registry_people(db: Database, county: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(ID number, name) of people with an enterprise pension enrolment in ``county``."""
    with db.read() as conn:
        rows = conn.execute(
            sa.select(persons.c.id_number, persons.c.name)
            .join(enrolments, enrolments.c.id_number == persons.c.id_number)
            .where(enrolments.c.insurance_type == "enterprise_pension", enrolments.c.county_code == county)
            .limit(count * 3)
        ).all()
    picked = rng.sample(list(rows), min(count, len(rows)))
    return [(r.id_number, r.name) for r in picked]


def retiring_person(db: Database) -> tuple[str, str]:
    """Someone of 市中区 turning 60 this year, with an enterprise pension: a plausible C019."""
    born = this_year() - 60
    with db.read() as conn:
        row = conn.execute(
            sa.select(persons.c.id_number, persons.c.name)
            .join(enrolments, enrolments.c.id_number == persons.c.id_number)
            .where(
                enrolments.c.insurance_type == "enterprise_pension",
                enrolments.c.county_code == "511102",
                persons.c.sex == "male",
                persons.c.birth_date.between(dt.date(born, 1, 1), dt.date(born, 11, 30)),
            )
            .order_by(persons.c.id_number)
            .limit(1)
        ).one()
    return row.id_number, row.name


def populate(served: Served, accounts: list[DemoAccount], rng: random.Random) -> str:
    """Three weeks of cases from the demo stations; the id of a routed case with scans."""
    clerks: dict[str, list[str]] = {}
    for a in accounts:
        if a.role.value == "clerk" and a.placement:
            clerks.setdefault(a.placement, []).append(a.username)
    stations = enrol_demo_stations(served.db, sorted(clerks))
    counties = sorted({s[:6] for s in stations})
    now = dt.datetime.now(BEIJING)
    showcase = ""
    with served.client() as client:
        for station_id, station in stations.items():
            ops = []
            for n in range(rng.randint(28, 46)):
                clerk = rng.choice(clerks[station_id])
                accepted = now - dt.timedelta(days=rng.uniform(0, 21), hours=rng.uniform(0, 2))
                accepted = accepted - dt.timedelta(hours=rng.choice([0, 0, 0, 1, 5, 30]))  # offline spells
                kind = rng.random()
                home = station_id[:6] if rng.random() < 0.7 else rng.choice(counties)
                person = registry_people(served.db, home, 1, rng)
                id_number, name = person[0] if person else (None, rng.choice(NAMES))
                if kind < 0.45:
                    item = rng.choice(["G02", "G08", "G14", "G14"])
                    op = accept_op(station, item, id_number=id_number, name=name, accepted_at=accepted)
                elif kind < 0.75:
                    op = accept_op(station, "C019", id_number=id_number, name=name, accepted_at=accepted)
                elif kind < 0.9:
                    op = accept_op(station, "C029", id_number=id_number, name=name, accepted_at=accepted,
                                   form=C029, materials=C029_MATERIALS)  # fmt: skip
                else:
                    op = accept_op(station, "C012", id_number=id_number, name=name, accepted_at=accepted)
                ops.append(by_clerk(op, clerk))
                if n == 3 and station_id == "511102004-00":
                    who, called = retiring_person(served.db)
                    ops.append(retirement_case(client, station, clerk=clerk, name=called, id_number=who,
                                               accepted_at=now - dt.timedelta(days=6)))  # fmt: skip
                    showcase = str(ops[-1].case_id)
            push_ops(client, station, ops)
    backdate_receipts(served.db, rng)
    decide_some(served.db, rng, keep=showcase)
    with served.db.write() as conn:  # the reviewer has the showcase in hand: the decision form shows
        review.claim(
            conn,
            showcase,
            actor=Actor.reviewer("review.pension", Section.PENSION),
            now=dt.datetime.now(dt.UTC),
        )
    return showcase


def backdate_receipts(db: Database, rng: random.Random) -> None:
    """Three weeks of cases all arrived just now; make each arrive soon after it was accepted,
    as it would have on a working link (the dashboard's sync lag then reads like a real one)."""
    with db.write() as conn:
        rows = conn.execute(sa.select(cases.c.case_id, cases.c.accepted_at)).all()
        for case_id, accepted in rows:
            lag = dt.timedelta(minutes=rng.choice([2, 5, 10, 30, 60, 90, 240, 1500]))
            conn.execute(
                sa.update(cases).where(cases.c.case_id == case_id).values(received_at=accepted + lag)
            )


def decide_some(db: Database, rng: random.Random, *, keep: str) -> None:
    """The pension section works through part of its queue."""
    actor = Actor.reviewer("review.pension", Section.PENSION)
    with db.read() as conn:
        ids = conn.execute(
            sa.select(cases.c.case_id, cases.c.item_code)
            .where(cases.c.section == "pension", cases.c.status == "routed", cases.c.case_id != keep)
            .order_by(cases.c.accepted_at)
        ).all()  # fmt: skip
    picked = [row for row in ids if rng.random() < 0.65]  # some old ones stay waiting: overdue
    for n, (case_id, item_code) in enumerate(picked):
        with db.write() as conn:
            review.claim(conn, case_id, actor=actor, now=dt.datetime.now(dt.UTC))
            if n % 5 == 4:
                continue  # still being reviewed
            roll = rng.random()
            event = (
                CaseEvent.APPROVE
                if roll < 0.75
                else CaseEvent.RETURN_FOR_SUPPLEMENT
                if roll < 0.92
                else CaseEvent.REJECT
            )
            review.decide(conn, case_id, event, actor=actor, now=dt.datetime.now(dt.UTC),
                          reason="不符合按月领取条件" if event is CaseEvent.REJECT else "",
                          missing=[load_catalog().item(item_code).materials[0].code]
                          if event is CaseEvent.RETURN_FOR_SUPPLEMENT else [])  # fmt: skip


def shoot(served: Served, accounts: list[DemoAccount], showcase: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    passwords = {a.username: a.password for a in accounts}
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*chromium_args(served.data_dir / "tls" / "server.pem"), "--lang=zh-CN"],
        )
        for username, pages in (
            ("review.pension", [("/console/queue", "console-queue.png"), (f"/console/cases/{showcase}", "console-case.png")]),
            ("supervisor", [("/console/dashboard", "console-dashboard.png")]),
        ):  # fmt: skip
            context = browser.new_context(
                viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1, timezone_id="Asia/Shanghai"
            )
            page = context.new_page()
            page.goto(f"{served.url}/console/login")
            page.fill("#username", username)
            page.fill("#password", passwords[username])
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            for path, name in pages:
                page.goto(f"{served.url}{path}")
                page.wait_for_load_state("networkidle")
                if "/cases/" in path:  # the registry beside the request and the scans, below the header
                    page.evaluate("window.scrollTo(0, document.querySelector('.grid2').offsetTop - 12)")
                target = out / name
                page.screenshot(path=str(target))
                saved.append(target)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--keep", type=Path, help="use (and keep) this data directory instead of a temporary one"
    )
    parser.add_argument("--persons", type=int, default=20_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20260301)  # noqa: S311 - reproducible demo data
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = (args.keep or Path(tmp)) / "server"
        with serve(data_dir) as served:
            report = seed_demo(served.db, persons_count=args.persons, seed=1, now=dt.datetime.now(dt.UTC),
                               actor="screenshots", code_hours=24)  # fmt: skip
            showcase = populate(served, report.accounts, rng)
            for path in shoot(served, report.accounts, showcase, args.out):
                print(f"已保存 {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
