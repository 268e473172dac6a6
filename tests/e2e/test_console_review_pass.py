"""The console as a reviewer finishes a case in minutes (Debian's Chromium against a real server).

People appear by name (系统 for the server itself), the login error is a sentence, a
decision the server refuses comes back on the case page beside the form with what was
typed, units carry their names beside their credit codes, chart text and checkboxes are
big enough to read and hit, dates are typed the Chinese way in an English browser, a long
unit name wraps instead of pushing the page sideways, a returned case says which material
was asked for again, badges keep their distance from the text before them, the month's
trial balance says when nothing is journalled yet, and every role opens its pages without
a server error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from schema.lifecycle import Actor, CaseEvent
from schema.person_records import Benefit, BenefitKind
from schema.record_changes import BenefitGranted, ChangeContext
from schema.vocabulary import Role, Section
from sync_server.core.clock import beijing_date
from sync_server.core.fraud.exchange_file import HEADERS, ExchangeSource
from sync_server.db.tables import cases, enrolments, fraud_cases, units
from sync_server.services.finance import payment
from sync_server.services.fraud import cases as fraud
from sync_server.services.fraud.exchange import import_exchange_file
from sync_server.services.records.write import write_record_changes
from sync_server.services.review import decide as review
from tests.support.console_kit import PASSWORD, add_account
from tests.support.console_world import CHROMIUM, chromium_args, push_ops, retirement_case
from tests.support.factories import (
    COUNTY,
    Station,
    accept_op,
    add_person,
    enrolled_station,
    person_id,
    unit_uscc,
)
from tests.support.serve_process import Served, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OLD_UNIT, NEW_UNIT, LONG_UNIT = unit_uscc(901), unit_uscc(902), unit_uscc(903)
LONG_UNIT_NAME = "乐山市五通桥区岷江盐化工业集团股份有限责任公司第二分公司（盐化工园区）"
NAMES = {  # username: (role, section, display name)
    "review.pension": (Role.REVIEWER, "pension", "赵磊"),
    "chief.pension": (Role.CHIEF, "pension", "孙丽"),
    "demo.admin": (Role.ADMIN, None, "邓海"),
    "supervisor": (Role.SUPERVISOR, None, "彭志文"),
    "finance.maker": (Role.FINANCE_MAKER, None, "钱芳"),
    "finance.checker": (Role.FINANCE_CHECKER, None, "吴刚"),
    "audit.li": (Role.AUDITOR, None, "李审"),
}


@dataclass
class World:
    served: Served
    station: Station
    returned_case: str  # C019, claimed by 赵磊: returned for supplement with nothing filled in
    transfer_case: str  # C009 from 乐山旧厂 to 乐山新厂, claimed by 赵磊
    fraud_case: int  # dismissed by 李审
    month: str
    long_unit_case: str  # C019 of a worker insured through a unit with a very long name
    asked_again_case: str  # C019 returned by 赵磊 asking for the 职工退休审批表 again
    overdue_case: str  # C019 waiting in the queue, due 32 days ago


def _registry(served: Served) -> tuple[str, str, str]:
    """A worker insured through 乐山旧厂 (moving to 乐山新厂), one insured through a unit with
    a very long name, and a pensioner reported dead."""
    db = served.db
    worker, pensioner = person_id(501), person_id(502, born=dt.date(1950, 1, 1))
    salt_worker = person_id(503, born=dt.date(1964, 5, 1))
    add_person(db, worker, enrolled={"enterprise_pension": COUNTY})
    add_person(db, salt_worker, enrolled={"enterprise_pension": COUNTY, "unemployment": COUNTY})
    add_person(db, pensioner)
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        conn.execute(sa.insert(units), [
            {"uscc": OLD_UNIT, "name": "乐山旧厂有限公司", "county_code": COUNTY},
            {"uscc": NEW_UNIT, "name": "乐山新厂有限公司", "county_code": COUNTY},
            {"uscc": LONG_UNIT, "name": LONG_UNIT_NAME, "county_code": COUNTY},
        ])  # fmt: skip
        conn.execute(sa.update(enrolments).where(enrolments.c.id_number == worker).values(unit_uscc=OLD_UNIT))
        conn.execute(
            sa.update(enrolments).where(enrolments.c.id_number == salt_worker).values(unit_uscc=LONG_UNIT)
        )
        benefit = Benefit(
            id_number=pensioner, kind=BenefitKind.EMPLOYEE_PENSION, monthly_amount=Decimal("2856.40"),
            calculation={"basic": "1500.00"}, start_month="2015-01", paid_through=now.strftime("%Y-%m"),
            bank_account="6228480012345678", county=COUNTY,
        )  # fmt: skip
        write_record_changes(
            conn,
            [BenefitGranted(benefit=benefit)],
            ChangeContext(case_id=None, source="demo", actor="seed", at=now),
        )
    content = ",".join(HEADERS[ExchangeSource.DEATH]) + f"\n{pensioner},王小明,2025-12-05,W1,卫健委\n"
    import_exchange_file(
        db, ExchangeSource.DEATH, content.encode(), file_name="death.csv", actor="cli:imp", at=now,
        today=beijing_date(now),
    )  # fmt: skip
    return worker, pensioner, salt_worker


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serve(tmp_path_factory.mktemp("review-pass") / "server") as served:
        db = served.db
        station = enrolled_station(db)
        for username, (role, section, name) in NAMES.items():
            add_account(db, username, role, section=section, name=name)
        add_account(db, "clerk.dafo.2", Role.CLERK, station_id=station.id, name="李娟")
        worker, pensioner, salt_worker = _registry(served)
        with served.client() as client:
            returned = retirement_case(client, station, clerk="clerk.dafo.2", name="王建华")
            long_unit = retirement_case(
                client, station, clerk="clerk.dafo.2", name="陈盐生", id_number=salt_worker
            )
            asked_again = retirement_case(client, station, clerk="clerk.dafo.2", name="刘德明")
            overdue = retirement_case(client, station, clerk="clerk.dafo.2", name="周晓红")
            transfer = accept_op(station, "C009", id_number=worker, form={
                "transfer_kind": "within_province", "old_employer_uscc": OLD_UNIT, "new_employer_uscc": NEW_UNIT,
                "old_insured_place": "乐山市市中区", "transfer_month": "2026-03",
            }, materials=("id_card", "new_employer_proof"))  # fmt: skip
            fees = [accept_op(station, "G14", id_number=person_id(n)) for n in (511, 512)]
            for n in (511, 512):
                add_person(db, person_id(n), enrolled={"enterprise_pension": COUNTY})
            push_ops(client, station, [returned, transfer, long_unit, asked_again, overdue, *fees])
        now = dt.datetime.now(dt.UTC)
        month = beijing_date(now).strftime("%Y-%m")
        reviewer = Actor.reviewer("review.pension", Section.PENSION)
        with db.write() as conn:
            for op in (returned, transfer, asked_again):
                review.claim(conn, str(op.case_id), actor=reviewer, now=now)
            review.decide(conn, str(asked_again.case_id), CaseEvent.RETURN_FOR_SUPPLEMENT, actor=reviewer,
                          now=now, reason="审批表缺单位盖章", missing=("retirement_form",))  # fmt: skip
            late = beijing_date(now) - dt.timedelta(days=32)
            conn.execute(
                sa.update(cases).where(cases.c.case_id == str(overdue.case_id)).values(due_date=late)
            )
            payment.build(conn, month, maker="finance.maker", now=now)
            payment.approve(conn, month, checker="finance.checker", now=now)
            found = conn.execute(
                sa.select(fraud_cases.c.id).where(fraud_cases.c.id_number == pensioner)
            ).scalar_one()
            fraud.dismiss_case(conn, found, actor="audit.li", at=now, reason="经核实本人健在")
        yield World(
            served, station, str(returned.case_id), str(transfer.case_id), int(found), month,
            long_unit_case=str(long_unit.case_id), asked_again_case=str(asked_again.case_id),
            overdue_case=str(overdue.case_id),
        )  # fmt: skip


def _launch(p: Playwright, world: World, *extra: str) -> Browser:
    args = [*chromium_args(world.served.data_dir / "tls" / "server.pem"), *extra]
    return p.chromium.launch(executable_path=CHROMIUM, args=args)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright, world: World) -> Iterator[Browser]:
    launched = _launch(playwright, world)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    yield tab
    context.close()


def log_in(page: Page, world: World, username: str) -> None:
    page.goto(f"{world.served.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def test_people_are_shown_by_their_names(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    page.get_by_role("link", name=re.compile("我认领的")).click()
    expect(page.locator(f'tr[data-case-id="{world.returned_case}"]')).to_contain_text("赵磊")
    page.goto(f"{world.served.url}/console/cases/{world.returned_case}")
    facts = page.get_by_role("region", name="案件概况")
    expect(facts).to_contain_text("柜员 李娟")
    expect(facts).to_contain_text("审核人 赵磊")
    history = page.locator("#his-h + table")
    expect(history).to_contain_text("系统")
    expect(history).to_contain_text("赵磊")
    expect(history).not_to_contain_text("review.pension")
    expect(history).not_to_contain_text("system")
    page.context.clear_cookies()

    log_in(page, world, "finance.checker")
    expect(page.locator("#payment")).to_contain_text("编制：钱芳；复核：吴刚")
    page.context.clear_cookies()

    log_in(page, world, "audit.li")
    page.goto(f"{world.served.url}/console/audit/{world.fraud_case}")
    expect(page.locator("#decision")).to_contain_text("已排除：李审 于")
    expect(page.locator("#exchange-row")).to_contain_text("命令行（imp） 于")


def test_a_wrong_password_reads_as_a_sentence_not_a_code(page: Page, world: World) -> None:
    page.goto(f"{world.served.url}/console/login")
    page.fill("#username", "review.pension")
    page.fill("#password", "not-the-password-1")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。请重新输入；连续多次错误将锁定账号。")
    expect(page.locator("main")).not_to_contain_text("login_failed")


def test_an_empty_return_for_supplement_stays_on_the_case_page(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    page.goto(f"{world.served.url}/console/cases/{world.returned_case}")
    page.get_by_role("button", name="退回补正").click()
    error = page.locator("#decision-error")
    expect(error).to_contain_text("退回补正必须写明需要补正的内容")
    expect(error).to_contain_text("request_invalid")
    expect(page.locator("#decision-form")).to_be_visible()  # the case page, the form right below
    expect(page.locator("#case-status")).to_have_text("审核中")
    assert error.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")  # scrolled to it

    page.fill("#reason", "  ")
    page.get_by_role("checkbox", name="职工退休审批表").check()
    page.get_by_role("button", name="驳回").click()  # a rejection needs a reason: refused, ticks kept
    expect(page.locator("#decision-error")).to_contain_text("驳回（不予受理）必须填写理由")
    expect(page.get_by_role("checkbox", name="职工退休审批表")).to_be_checked()

    page.get_by_role("button", name="退回补正").click()
    expect(page.locator(".notice")).to_contain_text("已退回补正")
    expect(page.locator("#case-status")).to_have_text("退回补正")
    expect(page.locator("main")).to_contain_text("请补正以下材料：1. 职工退休审批表。")


def test_units_are_named_beside_their_credit_codes(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    page.goto(f"{world.served.url}/console/cases/{world.transfer_case}")
    form = page.locator("#form-h + table")
    expect(form).to_contain_text(f"乐山旧厂有限公司（{OLD_UNIT}）")
    expect(form).to_contain_text(f"乐山新厂有限公司（{NEW_UNIT}）")
    unit_row = page.locator("#reg-h ~ table:not(.compact) tr", has_text="参保单位")
    expect(unit_row).to_contain_text(f"乐山旧厂有限公司（{OLD_UNIT}）")  # now
    expect(unit_row).to_contain_text(f"乐山新厂有限公司（{NEW_UNIT}）")  # asked for
    expect(page.locator("#reg-h ~ table.compact")).to_contain_text("乐山旧厂有限公司")


_PAGE_WIDTH = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [1366, 1024])
def test_a_long_unit_name_wraps_inside_the_page(browser: Browser, world: World, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, world, "review.pension")
    page.goto(f"{world.served.url}/console/cases/{world.long_unit_case}")
    expect(page.locator("#reg-h ~ table:not(.compact)")).to_contain_text(f"{LONG_UNIT_NAME}（{LONG_UNIT}）")
    scroll_width, inner_width = page.evaluate(_PAGE_WIDTH)
    assert scroll_width <= inner_width, (width, scroll_width)  # no sideways scrolling
    context.close()


def test_a_returned_case_marks_the_material_asked_for_again(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    page.goto(f"{world.served.url}/console/cases/{world.asked_again_case}")
    expect(page.locator("#case-status")).to_have_text("退回补正")
    materials = page.locator("#mat-h + table tbody tr")
    asked = materials.filter(has_text="职工退休审批表")
    expect(asked.locator("td").nth(1)).to_have_text("要求补交")  # not 已提交: the reviewer wants it again
    expect(materials.filter(has_text="居民身份证").locator("td").nth(1)).to_have_text("已提交")


# The left edge of the element after a text node, minus the right edge of that text.
_GAP_AFTER_TEXT = """([text, after]) => {
  const range = document.createRange();
  range.selectNodeContents(text);
  return after.getBoundingClientRect().left - range.getBoundingClientRect().right;
}"""


def _gap(page: Page, text_js: str, after_selector: str) -> float:
    return float(
        page.evaluate(
            f"([sel]) => ({_GAP_AFTER_TEXT})([{text_js}, document.querySelector(sel)])", [after_selector]
        )
    )


def test_badges_and_heading_notes_keep_their_distance(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    row = f'tr[data-case-id="{world.overdue_case}"]'
    expect(page.locator(f"{row} .badge.overdue")).to_have_text("逾期 32 天")
    date = f"document.querySelector('{row} td:nth-child(6)').firstChild"  # 到期日 as printed
    assert _gap(page, date, f"{row} .badge.overdue") >= 4  # not "2026-11-05逾期 32 天"
    page.context.clear_cookies()

    log_in(page, world, "finance.maker")
    heading = "document.querySelector('#journal-h').firstChild"  # 入账与月结
    expect(page.locator("#journal-status")).to_have_text("未月结")
    assert _gap(page, heading, "#journal-status") >= 4  # not "入账与月结未月结"


def test_the_trial_balance_says_when_nothing_is_journalled(page: Page, world: World) -> None:
    log_in(page, world, "finance.maker")
    journal = page.locator("#journal")
    expect(page.locator("#journal-empty")).to_contain_text("本月尚未入账")
    expect(page.locator("#journal-empty")).to_contain_text("点击“补记入账”将已收费用")
    totals = page.locator("#trial-balance tr", has_text="合计")
    expect(totals.first).to_contain_text("养老保险基金 合计")
    expect(totals.first).to_contain_text("借贷平衡")
    expect(page.locator("#trial-balance td", has_text=re.compile(r"^\s*不?平衡\s*$"))).to_have_count(
        0
    )  # not a 科目
    page.locator("#journal-post").click()
    expect(page.locator("main")).to_contain_text("入账完成")
    expect(journal).not_to_contain_text("本月尚未入账")
    assert page.locator("#trial-balance tbody tr").count() > totals.count()  # accounts beside the totals


_RENDERED_TEXT = """() => [...document.querySelectorAll('svg.chart text')]
  .map(t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))"""


@pytest.mark.parametrize("width", [1366, 1280])
def test_chart_text_renders_at_14px_or_more(browser: Browser, world: World, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, world, "supervisor")
    for path in ("/console/dashboard", "/console/statistics"):
        page.goto(f"{world.served.url}{path}")
        sizes: list[float] = page.evaluate(_RENDERED_TEXT)  # font size × the SVG's scale on screen
        assert sizes and min(sizes) >= 14, (path, min(sizes))
    context.close()


def test_checkboxes_are_20px_or_larger(page: Page, world: World) -> None:
    log_in(page, world, "review.pension")
    for path in ("/console/queue", f"/console/cases/{world.transfer_case}"):  # 只看已逾期; the materials
        page.goto(f"{world.served.url}{path}")
        sizes = page.locator('input[type="checkbox"]').evaluate_all(
            "boxes => boxes.map(b => [b.getBoundingClientRect().width, b.getBoundingClientRect().height])"
        )
        assert sizes and min(min(s) for s in sizes) >= 20, (path, sizes)


def test_dates_are_typed_the_chinese_way_in_an_english_browser(playwright: Playwright, world: World) -> None:
    browser = _launch(playwright, world, "--lang=en-US")  # <input type=date> would read mm/dd/yyyy
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    log_in(page, world, "supervisor")
    start = page.get_by_label("起始日期")
    expect(start).to_have_attribute("placeholder", "如 2026年3月1日")
    expect(start).to_have_value(re.compile(r"^\d{4}年\d{1,2}月1日$"))  # this month, in Chinese
    start.fill("２０２６年１月５日")  # full-width digits from an input method
    page.get_by_label("截止日期").fill("2026年1月20日")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("h1")).to_contain_text("2026年1月5日 至 2026年1月20日")
    expect(page.get_by_label("起始日期")).to_have_value("2026年1月5日")

    page.goto(f"{world.served.url}/console/statistics")
    page.get_by_role("textbox", name="统计月份").fill("2026年2月")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("h1 small")).to_contain_text("2026-02")
    expect(page.get_by_role("textbox", name="统计月份")).to_have_value("2026年2月")
    page.goto(f"{world.served.url}/console/clearing")
    page.get_by_label("记账期间").fill("2026/1")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("h1 small")).to_contain_text("期间 2026-01")
    page.context.clear_cookies()

    log_in(page, world, "review.pension")
    page.get_by_label("到期日不晚于").fill("2099年12月31日")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#queue-count")).to_contain_text("符合筛选条件的")
    expect(page.locator("main .alert")).to_have_count(0)  # read, not dropped with a note
    expect(page.get_by_role("link", name=re.compile("我认领的"))).to_have_attribute(
        "href", re.compile(r"due_before=2099-12-31")
    )
    expect(page.get_by_label("到期日不晚于")).to_have_value("2099年12月31日")
    page.context.clear_cookies()

    log_in(page, world, "finance.maker")
    page.get_by_label("月份").fill("2026年3月")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("h1 small")).to_have_text("2026-03")
    browser.close()


HOMES = {
    "review.pension": ["/console/queue", "/console/person"],
    "chief.pension": ["/console/queue", "/console/workload", "/console/person"],
    "demo.admin": ["/console/stations", "/console/staff", "/console/conflicts", "/console/catalog"],
    "supervisor": ["/console/dashboard", "/console/clearing", "/console/statistics", "/console/person"],
    "finance.maker": ["/console/finance", "/console/statistics"],
    "finance.checker": ["/console/finance", "/console/statistics"],
    "audit.li": ["/console/audit", "/console/audit?status=all"],
}


@pytest.mark.parametrize("username", list(HOMES))
def test_every_role_opens_its_pages_without_a_server_error(page: Page, world: World, username: str) -> None:
    log_in(page, world, username)
    menu = page.locator("header nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    reads_cases = NAMES[username][0] in (Role.REVIEWER, Role.CHIEF, Role.ADMIN)
    cases = [f"/console/cases/{world.transfer_case}"] if reads_cases else []
    for path in dict.fromkeys([*HOMES[username], *menu, *cases, "/console/password"]):
        answer = page.goto(f"{world.served.url}{path}")
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        expect(page.locator("main")).not_to_contain_text("internal_error")
        expect(page.locator("main")).not_to_contain_text("docs/")  # no documentation file cited on a page
    page.goto(f"{world.served.url}/console/password")
    expect(page.locator("header .who")).to_contain_text(NAMES[username][2])
