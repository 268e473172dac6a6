"""Screenshots of the city console for the README, 1366×768, from ``make demo``'s seeded history.

    .venv/bin/python scripts/screenshots_console.py [--out docs/screenshots] [--keep DIR] [--cache DIR]

Seeds a fresh data directory the way ``make demo`` does (``sync-server init``, then
``sync-server seed-demo --weeks 6``: the registry, the demo stations and accounts and six
weeks of casework at the other demo stations, see ``scripts/screenshots_demo.py``), starts
a real ``sync-server serve`` over HTTPS, and adds one case of today: the demo desk station
of 大佛街道 (enrolled with a key of this script's) pushes a retirement application (C019)
with its scans on the signed attachment path. Then Debian's Chromium (Playwright,
headless, trusting exactly the server's certificate) logs in as the demo accounts and
clicks through as they would, saving:

    console-queue.png      养老保险科's queue (review.pension), overdue cases first
    console-case.png       today's C019 after the reviewer claims it: registry beside the request, scans
    console-returned.png   a case the pension section returned for supplement (退回补正) in the history
    console-dashboard.png  the supervision dashboard, the last 30 days by county (supervisor)
    console-clearing.png   the county clearing of last month (supervisor)
    console-finance.png    基金财务's collection plan for this month, built by finance.maker's click

The demo holds no conflict case (a station's change against a record changed since), so
no conflict page is taken. ``--keep DIR`` keeps the data directory; ``--cache DIR`` seeds
once into DIR and copies it on later runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from scripts.screenshots_demo import PERSONS, WEEKS, Demo, seeded, serving  # noqa: E402
from sync_server.demo.seed import DESK_STATION  # noqa: E402
from sync_server.services.admin.stations import complete_enrolment  # noqa: E402
from tests.support.console_world import CHROMIUM, chromium_args, push_ops, retirement_case  # noqa: E402
from tests.support.factories import BEIJING, Station  # noqa: E402
from tests.support.serve_process import Served  # noqa: E402

VIEWPORT: Any = {"width": 1366, "height": 768}
TOWNSHIP = DESK_STATION[:9]  # 大佛街道


def retiring_person(served: Served) -> tuple[str, str]:
    """A man of 大佛街道 turning 60 this year, insured as an employee, no case of his yet."""
    from sync_server.db.tables import cases, enrolments, persons

    born = dt.datetime.now(BEIJING).year - 60
    with served.db.read() as conn:
        row = conn.execute(
            sa.select(persons.c.id_number, persons.c.name)
            .join(enrolments, enrolments.c.id_number == persons.c.id_number)
            .where(
                enrolments.c.insurance_type == "enterprise_pension",
                enrolments.c.kind == "employee",
                enrolments.c.status == "active",
                persons.c.township_code == TOWNSHIP,
                persons.c.sex == "male",
                persons.c.birth_date.between(dt.date(born, 1, 1), dt.date(born, 12, 31)),
                persons.c.id_number.not_in(sa.select(cases.c.applicant_key)),
            )
            .order_by(persons.c.id_number)
            .limit(1)
        ).one()
    return row.id_number, row.name


def todays_case(served: Served, demo: Demo) -> str:
    """The desk station pushes a C019 with its scans (ID card image, PDF form): its case id."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with served.db.write() as conn:
        complete_enrolment(conn, DESK_STATION, raw, now=dt.datetime.now(dt.UTC), actor="screenshots")
    station = Station(DESK_STATION, key)
    id_number, name = retiring_person(served)
    with served.client() as client:
        op = retirement_case(client, station, clerk="clerk.dafo.1", name=name, id_number=id_number,
                             accepted_at=dt.datetime.now(BEIJING) - dt.timedelta(hours=2))  # fmt: skip
        push_ops(client, station, [op])
    return str(op.case_id)


def returned_case(served: Served) -> str:
    """The pension section's latest return for supplement in the seeded history (one asking for
    the retirement form, which the seed's note is about, when there is one)."""
    from sync_server.db.tables import cases

    with served.db.read() as conn:
        rows = conn.execute(
            sa.select(cases.c.case_id, cases.c.decision_reason)
            .where(cases.c.section == "pension", cases.c.status == "returned")
            .order_by(cases.c.decided_at.desc())
        ).all()
    matching = [r for r in rows if "1. 职工退休审批表" in (r.decision_reason or "")]
    return str((matching or rows)[0].case_id)


def shoot(served: Served, demo: Demo, out: Path, *, today: str, returned: str) -> list[Path]:
    from playwright.sync_api import Page, sync_playwright

    now = dt.datetime.now(BEIJING).date()
    last_month = (now.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    saved: list[Path] = []

    def save(page: Page, name: str, *, at: str | None = None) -> None:
        page.wait_for_load_state("networkidle")
        if at is not None:  # the part worth showing, just under the top of the window
            page.evaluate(f"window.scrollTo(0, document.querySelector({at!r}).offsetTop - 12)")
        else:
            page.evaluate("window.scrollTo(0, 0)")
        target = out / name
        page.screenshot(path=str(target))
        saved.append(target)
        print(f"已保存 {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}", flush=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*chromium_args(served.data_dir / "tls" / "server.pem"), "--lang=zh-CN"],
        )

        def login(username: str) -> Page:
            context = browser.new_context(
                viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1, timezone_id="Asia/Shanghai"
            )
            page = context.new_page()
            page.goto(f"{served.url}/console/login")
            page.fill("#username", username)
            page.fill("#password", demo.passwords[username])
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            return page

        reviewer = login("review.pension")
        reviewer.goto(f"{served.url}/console/queue")
        save(reviewer, "console-queue.png")
        reviewer.goto(f"{served.url}/console/cases/{today}")
        reviewer.click("form.claim button[type=submit]")  # 认领此案件: the decision form appears
        save(reviewer, "console-case.png", at=".grid2")
        reviewer.goto(f"{served.url}/console/cases/{returned}")
        save(reviewer, "console-returned.png")
        reviewer.context.close()

        supervisor = login("supervisor")
        start = (now - dt.timedelta(days=29)).isoformat()
        supervisor.goto(f"{served.url}/console/dashboard?start={start}&end={now.isoformat()}&group=county")
        save(supervisor, "console-dashboard.png")
        supervisor.goto(f"{served.url}/console/clearing?period={last_month}")
        save(supervisor, "console-clearing.png")
        supervisor.context.close()

        finance = login("finance.maker")
        finance.goto(f"{served.url}/console/finance")
        finance.click("#collect-build")  # 生成征缴计划
        save(finance, "console-finance.png", at="#collection")
        finance.context.close()

        admin = login("demo.admin")
        admin.goto(f"{served.url}/console/conflicts")
        if admin.locator("a[href^='/console/conflicts/']").count():
            admin.locator("a[href^='/console/conflicts/']").first.click()
            save(admin, "console-conflict.png")
        else:
            print("演示数据中没有数据冲突案件，未截取冲突页。", flush=True)
        admin.context.close()
        browser.close()
    return saved


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
        work = args.keep or Path(tmp)
        demo = seeded(work, weeks=args.weeks, persons=args.persons, cache=args.cache)
        with serving(demo) as served:
            today = todays_case(served, demo)
            shoot(served, demo, args.out, today=today, returned=returned_case(served))


if __name__ == "__main__":
    main()
