"""The city console in Debian's Chromium (Playwright, headless) against a real server process.

One ``sync-server serve`` over HTTPS for the module, seeded with a station and staff; the
station pushes complex cases with scanned materials over the pinned-CA client, exactly as
a station does. Then, in the browser: a reviewer filters the queue, claims, reads the case
(scans load) and approves, and the station's signed pull carries the decision; a
supervisor opens the dashboard and downloads a clearing CSV that balances; and the
refusals: the accepting clerk (now a reviewer) cannot approve, a reviewer of another
section cannot see the case, a form posted without its CSRF token fails.

Chromium trusts exactly our server certificate (``--ignore-certificate-errors-spki-list``
with its public-key pin, see ``console_world``); nothing ignores HTTPS errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from schema.lifecycle import Actor
from schema.vocabulary import Role, Section
from sync_server.services.review import decide as review
from tests.support.console_kit import PASSWORD, add_account
from tests.support.console_world import (
    CHROMIUM,
    chromium_args,
    pull_all,
    pull_until,
    push_ops,
    retirement_case,
)
from tests.support.factories import Station, accept_op, add_person, enrolled_station, person_id
from tests.support.serve_process import Served, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class World:
    served: Served
    station: Station
    cursor: str | None
    approve_case: str  # routed, pushed with scans
    clerks_case: str  # accepted by clerk.dafo.9, claimed by review.pension
    csrf_case: str  # routed, for the CSRF refusal


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serve(tmp_path_factory.mktemp("console") / "server") as served:
        db = served.db
        station = enrolled_station(db)
        add_account(db, "review.pension", Role.REVIEWER, section="pension", name="赵磊")
        add_account(db, "review.medical", Role.REVIEWER, section="medical", name="周红")
        add_account(db, "supervisor", Role.SUPERVISOR, name="彭志文")
        add_account(db, "demo.admin", Role.ADMIN, name="邓海")
        add_account(db, "clerk.dafo.9", Role.CLERK, station_id=station.id, name="李娟")
        for n, county in ((1, "511123"), (2, "511123"), (3, "511102")):
            add_person(
                db,
                person_id(n, area=county),
                enrolled={"enterprise_pension": county, "employee_medical": county},
            )
        with served.client() as client:
            approve = retirement_case(client, station, clerk="clerk.dafo.2", name="王建华")
            # 王建华 is insured here: approving his retirement stops that enrolment (一库)
            add_person(db, approve.payload.applicant.id_number, enrolled={"enterprise_pension": "511102"})
            clerks = retirement_case(client, station, clerk="clerk.dafo.9", name="刘洋")
            target = accept_op(station, "C019", name="陈静")
            fees = [
                accept_op(station, "G14", id_number=person_id(n, area=c))
                for n, c in ((1, "511123"), (2, "511123"), (3, "511102"))
            ]
            push_ops(client, station, [approve, clerks, target, *fees])
            _, cursor = pull_all(client, station)  # the station is in step before the review starts
        with db.write() as conn:
            review.claim(conn, str(clerks.case_id), actor=Actor.reviewer("review.pension", Section.PENSION),
                         now=dt.datetime.now(dt.UTC))  # fmt: skip
        yield World(served, station, cursor, str(approve.case_id), str(clerks.case_id), str(target.case_id))


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Browser]:
    with sync_playwright() as p:
        yield _launch(p, world)


def _launch(p: Playwright, world: World) -> Browser:
    return p.chromium.launch(
        executable_path=CHROMIUM, args=chromium_args(world.served.data_dir / "tls" / "server.pem")
    )


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())  # the confirm() before approving
    yield tab
    context.close()


_FETCH = """async ([url, form]) => {
  const options = form ? {method: "POST", body: new URLSearchParams(form)} : {};
  const answer = await fetch(url, options);
  const bytes = new Uint8Array(await answer.arrayBuffer());
  return {status: answer.status, type: answer.headers.get("content-type"),
          head: String.fromCharCode(...bytes.slice(0, 8)), text: new TextDecoder().decode(bytes)};
}"""


def fetch(page: Page, url: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    """A request made by the page itself (its cookies, its certificate pin, its origin)."""
    answer: dict[str, Any] = page.evaluate(_FETCH, [url, form])
    return answer


def log_in(page: Page, world: World, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{world.served.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def test_a_reviewer_claims_and_approves_and_the_station_pulls_the_decision(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    expect(page).to_have_url(f"{world.served.url}/console/queue")
    page.select_option("#f-county", "511102")
    page.select_option("#f-item", "C019")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(
        re.compile(r"/console/queue\?tab=routed&county=511102&.*item=C019")
    )  # htmx pushed it
    row = page.locator(f'tr[data-case-id="{world.approve_case}"]')
    expect(row).to_contain_text("王建华")
    expect(page.locator("#queue-count")).to_contain_text("符合筛选条件的共")
    row.get_by_role("button", name="认领").click()

    expect(page).to_have_url(f"{world.served.url}/console/cases/{world.approve_case}")
    expect(page.locator(".notice")).to_contain_text("已认领")
    expect(page.locator("#case-status")).to_have_text("审核中")
    image = page.locator("img.scan-thumb").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 900  # the scan loaded and decoded
    pdf_url = page.locator('a.scan-link[data-media="pdf"]').get_attribute("href")
    pdf = fetch(page, f"{pdf_url}")
    assert (pdf["status"], pdf["type"], pdf["head"][:4]) == (200, "application/pdf", "%PDF")
    expect(page.locator("#reg-h")).to_have_text("申请人登记信息（人员库）")
    expect(page.locator("#fee-h")).to_be_visible()

    page.get_by_role("button", name="核准").click()
    # the approval writes the records in its transaction; a loaded CI box may take a while
    expect(page.locator(".notice")).to_contain_text("已核准", timeout=20_000)
    expect(page.locator("#case-status")).to_have_text("已办结（核准）")

    with world.served.client() as client:
        pulled = pull_until(
            client, world.station, world.cursor, lambda seen: any(c["kind"] == "decision" for c in seen)
        )
    decisions = [c for c in pulled if c["kind"] == "decision" and c["key"] == world.approve_case]
    assert len(decisions) == 1
    assert (decisions[0]["data"]["status"], decisions[0]["data"]["decided_by"]) == (
        "approved",
        "review.pension",
    )


def test_a_supervisor_opens_the_dashboard_and_downloads_a_balanced_clearing(page: Page, world: World) -> None:
    log_in(page, world, "supervisor")
    expect(page).to_have_url(f"{world.served.url}/console/dashboard")
    expect(page.locator("svg.chart")).to_have_count(6)
    expect(page.locator("#totals")).to_contain_text("受理量")
    page.get_by_role("link", name="区县清算").click()
    expect(page.locator("#balanced")).to_have_text("平衡")
    with page.expect_download() as info:
        page.click("#csv-link")
    data = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith("三、")) + 2
    positions = rows[start : rows.index([], start)]
    *counties, total = positions
    assert total[1] == "合计" and Decimal(total[4]) == 0 and sum(Decimal(r[4]) for r in counties) == 0
    nets = {r[1]: Decimal(r[4]) for r in counties}
    assert nets["市中区"] > 0 and nets["犍为县"] == -nets["市中区"]  # 市中区 collected for 犍为县
    assert ["结论", "平衡"] in rows


def test_the_accepting_clerk_made_a_reviewer_cannot_approve(page: Page, world: World) -> None:
    log_in(page, world, "demo.admin")
    page.goto(f"{world.served.url}/console/staff")
    row = page.locator('tr[data-username="clerk.dafo.9"]')
    row.locator("summary").click()
    row.locator('select[name="role"]').select_option("reviewer")
    row.locator('input[name="station_id"]').fill("")
    row.locator('select[name="section"]').select_option("pension")
    row.get_by_role("button", name="保存").click()
    expect(page.locator(".notice")).to_contain_text("角色已更改")
    page.context.clear_cookies()

    log_in(page, world, "clerk.dafo.9")
    page.goto(f"{world.served.url}/console/cases/{world.clerks_case}")
    expect(page.locator("#blocked")).to_contain_text("case_separation_of_duties")
    expect(page.get_by_role("button", name="核准")).to_have_count(0)
    token = page.locator('header input[name="csrf_token"]').get_attribute("value")
    answer = fetch(
        page,
        f"/console/cases/{world.clerks_case}/decision",
        {"csrf_token": token or "", "decision": "approve"},
    )
    assert answer["status"] == 403 and "case_separation_of_duties" in answer["text"]
    page.goto(f"{world.served.url}/console/cases/{world.clerks_case}")
    expect(page.locator("#case-status")).to_have_text("审核中")


def test_a_reviewer_of_another_section_cannot_see_the_case(page: Page, world: World) -> None:
    log_in(page, world, "review.medical")
    expect(page.locator("table.queue")).not_to_contain_text("王建华")
    answer = page.goto(f"{world.served.url}/console/cases/{world.csrf_case}")
    assert answer is not None and answer.status == 403
    expect(page.locator(".error-code")).to_have_text("forbidden")
    expect(page.locator("main")).not_to_contain_text("陈静")


def test_a_form_posted_without_its_csrf_token_fails(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    form = page.locator(f'tr[data-case-id="{world.csrf_case}"] form.claim')
    form.locator('input[name="csrf_token"]').evaluate("input => input.remove()")
    form.get_by_role("button", name="认领").click()
    expect(page.locator(".error-code")).to_have_text("csrf_failed")
    expect(page.locator("main")).to_contain_text("页面已过期或来源不明")
    page.goto(f"{world.served.url}/console/cases/{world.csrf_case}")
    expect(page.locator("#case-status")).to_have_text("待认领")


def test_a_reviewer_looks_a_person_up_and_the_id_number_stays_out_of_urls_and_the_log(
    page: Page, world: World
) -> None:
    insured = person_id(3, area="511102")  # enrolled in the world's registry
    log_in(page, world, "review.pension")
    page.get_by_role("link", name="参保人信息").click()
    expect(page).to_have_url(f"{world.served.url}/console/person")
    page.fill('input[name="id_number"]', insured)
    page.locator("#person-search").get_by_role("button", name="查询").click()
    expect(page.locator("#person-page")).to_contain_text(insured)
    expect(page.locator("#person-status")).to_have_text("正常")
    expect(page.locator("#enrolments")).to_contain_text("企业职工基本养老保险")
    expect(page).to_have_url(f"{world.served.url}/console/person")  # POST: nothing in the address bar
    page.go_back()
    assert insured not in page.url  # nor in the history
    log = (world.served.data_dir / "serve.log").read_text(errors="replace")
    assert "POST /console/person" in log and insured not in log
