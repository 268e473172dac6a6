"""The words the bureau uses: 不予核准 for a case refused after review (不予受理 is only the
desk refusing to accept), time limits as "5个工作日", the work-injury rate items C093/C094."""

from __future__ import annotations

import json
import re
from pathlib import Path

from schema.catalog import load_catalog
from schema.lifecycle import CaseStatus

DATA = Path(__file__).resolve().parents[2] / "schema" / "data"


def test_a_case_refused_after_review_is_not_approved_rather_than_not_accepted() -> None:
    shown = CaseStatus.REJECTED.label
    assert "不予核准" in shown and "审核不通过" in shown
    assert "不予受理" not in shown


def test_time_limits_state_the_days_without_reference_list_wording() -> None:
    for item in load_catalog().items:
        text = item.time_limit.description
        assert "建议" not in text and "参考S" not in text, (item.code, text)
        plain = re.fullmatch(r"(\d+)个工作日(（.*）)?", text)
        if plain:  # "5个工作日" says the promise the due date is counted from
            assert int(plain.group(1)) == item.time_limit.days, (item.code, text)


def test_the_rate_table_names_the_work_injury_rate_items_by_their_codes() -> None:
    rates = (DATA / "rates.json").read_text(encoding="utf-8")
    assert "C095" not in rates
    catalog = {item.code: item.name for item in load_catalog().items}
    assert "行业风险类别核定" in catalog["C093"] and "C093" in rates
    assert "费率浮动确认" in catalog["C094"] and "C094" in rates
    json.loads(rates)  # still valid JSON
