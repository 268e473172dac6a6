"""``sync-server person show`` and ``unit show`` over real records, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from schema.person_records import (
    Benefit,
    BenefitKind,
    CardStatus,
    ContributionMonth,
    ContributionSource,
    ContributionYearSummary,
    Payable,
    PayableDirection,
    PayableKind,
)
from schema.record_changes import (
    BenefitGranted,
    CardStatusChanged,
    ChangeContext,
    ContributionsWritten,
    EnrolmentStarted,
    PayableCreated,
    UnitOpened,
)
from schema.vocabulary import InsuranceType
from sync_server.db.engine import Database
from sync_server.db.tables import contribution_year_summaries
from sync_server.services.records.write import write_record_changes
from tests.server.test_cli_admin import refused, run
from tests.support.factories import COUNTY, add_person, person_id, unit_uscc

PENSION = InsuranceType.ENTERPRISE_PENSION
AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "server"
    result = run("init", "--data-dir", path, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return path


def _month(pid: str, month: str, uscc: str) -> ContributionMonth:
    return ContributionMonth(
        id_number=pid,
        insurance=PENSION,
        month=month,
        base=Decimal("8411.25"),
        employer_part=Decimal("1345.80"),
        personal_part=Decimal("672.90"),
        account_part=Decimal("672.90"),
        source=ContributionSource.UNIT_DECLARATION,
        county="511100",
        unit_uscc=uscc,
    )


def seed(database_url: str) -> tuple[str, str]:
    db = Database.from_url(database_url)
    pid, uscc = person_id(11), unit_uscc(11)
    add_person(db, pid)
    context = ChangeContext(case_id=None, source="import", actor="cli-test", at=AT)
    with db.write() as conn:
        write_record_changes(
            conn,
            [
                UnitOpened(uscc=uscc, name="乐山市嘉州机械有限公司", county="511100", risk_class=4),
                EnrolmentStarted(
                    id_number=pid,
                    insurance=PENSION,
                    county="511100",
                    kind="employee",
                    unit_uscc=uscc,
                    since=dt.date(2024, 1, 1),
                ),
                # 2026: Jan and Feb, base 8411.25 = 1.1 × 7646.59… measured by the 2025 wage 7646
                ContributionsWritten(rows=(_month(pid, "2026-01", uscc), _month(pid, "2026-02", uscc))),
                BenefitGranted(
                    benefit=Benefit(
                        id_number=pid,
                        kind=BenefitKind.UNEMPLOYMENT_BENEFIT,
                        monthly_amount=Decimal("1548.00"),
                        calculation={"rule": "minimum wage × 90%"},
                        start_month="2025-05",
                        bank_name="乐山市商业银行",
                        bank_account="6230000000001234",
                        county="511100",
                    )
                ),
                CardStatusChanged(
                    id_number=pid, status=CardStatus.ACTIVE, card_number="L98765432", bank_name="农业银行"
                ),
                PayableCreated(
                    payable=Payable(
                        id_number=pid,
                        payee_name="王小明",
                        kind=PayableKind.FEE_REFUND,
                        amount=Decimal("300.00"),
                        direction=PayableDirection.PAY,
                        county=COUNTY,
                        fund="suspense",
                    )
                ),
            ],
            context,
        )
        # 2025 archived as one year summary: 12 months, index sum 12 × 1.1 = 13.2
        summary = ContributionYearSummary(
            id_number=pid,
            insurance=PENSION,
            year=2025,
            months=12,
            base_sum=Decimal("100935.00"),
            employer_sum=Decimal("16149.60"),
            personal_sum=Decimal("8074.80"),
            account_sum=Decimal("8074.80"),
            index_sum=Decimal("13.2000"),
            county="511100",
        )
        conn.execute(
            contribution_year_summaries.insert().values(
                **{
                    **summary.model_dump(exclude={"insurance", "county"}),
                    "insurance_type": PENSION.value,
                    "county_code": "511100",
                }
            )
        )
    db.dispose()
    return pid, uscc


def test_person_show_table_is_masked_and_derives_the_figures(data_dir: Path, database_url: str) -> None:
    pid, _ = seed(database_url)
    result = run("person", "show", pid, "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "王*" in out and "王小明" not in out  # name masked in the table
    assert pid not in out and pid[:6] + "********" + pid[-4:] in out
    assert "6230000000001234" not in out and "************1234" in out
    # 14 months (12 archived + 2), index (13.2 + 2 × 1.1001) / 14: 8411.25 / 7646 = 1.10008… → 1.1001
    # sum 13.2 + 2.2002 = 15.4002, / 14 = 1.10001… → 1.1000
    assert "缴费年限：1 年 2 个月" in out and "平均缴费指数：1.1000" in out
    assert "2026 年的缴费指数按最近公布的社平工资暂算" in out  # the 2025 wage is not published yet
    # account: no statement yet, 8074.80 + 2 × 672.90 = 9420.60
    assert "个人账户储存额：9,420.60 元" in out
    assert "失业保险金" in out and "发放中" in out and "已启用" in out and "退费" in out


def test_person_show_json_is_full_and_the_unknown_is_refused(data_dir: Path, database_url: str) -> None:
    pid, _ = seed(database_url)
    # A full-width ID number typed at a terminal is normalised, not refused.
    full_width = pid.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    result = run("person", "show", full_width, "--json", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    page = json.loads(result.output)
    assert page["id_number"] == pid and page["name"] == "王小明"
    (history,) = page["history"]
    assert history["months"] == 14 and [line["year"] for line in history["lines"]] == [2025, 2026]
    assert page["benefits"][0]["bank_account"] == "6230000000001234"
    assert refused(run("person", "show", person_id(12), "--data-dir", data_dir), "person_not_found")


def test_unit_show(data_dir: Path, database_url: str) -> None:
    _, uscc = seed(database_url)
    result = run("unit", "show", uscc, "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    assert "乐山市嘉州机械有限公司" in result.output and "参保地：市本级" in result.output
    assert "工伤风险类别：4 类" in result.output and "最近申报月份：2026-02" in result.output
    assert "企业职工基本养老保险  1" in result.output
    assert refused(run("unit", "show", unit_uscc(12), "--data-dir", data_dir), "unit_not_found")
