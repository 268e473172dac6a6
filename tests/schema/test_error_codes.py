"""Every error code is listed once, in Chinese, and README's table is the generated one."""

from __future__ import annotations

import re
from pathlib import Path

from schema.error_codes import error_codes, render_markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_codes_are_snake_case_and_messages_are_chinese() -> None:
    for code, info in error_codes().items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code), code
        assert CJK.search(info.message), f"{code} has no Chinese message"


def test_the_api_error_statuses_are_http_errors() -> None:
    for info in error_codes().values():
        assert info.http_status is None or 400 <= info.http_status <= 599


def test_readme_lists_exactly_the_generated_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- error-codes:start -->")[1].split("<!-- error-codes:end -->")[0]
    assert section.strip() == render_markdown_table().strip(), (
        "README's error-code table is out of date: run `.venv/bin/python -m schema.error_codes` and paste it"
    )


def test_well_known_codes_are_present() -> None:
    codes = error_codes()
    for code in (
        "id_bad_check_digit",
        "uscc_bad_check_digit",
        "form_required",
        "fee_base_out_of_range",
        "workday_no_calendar",
        "case_separation_of_duties",
        "sequence_gap",
        "op_conflict",
        "auth_bad_signature",
        "internal_error",
    ):
        assert code in codes
