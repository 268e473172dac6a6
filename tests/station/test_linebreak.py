"""Breaking Chinese text into lines (no window: a character counts 2, a Latin one 1), the
completion screen's upload line, and which field a fee problem is about."""

from __future__ import annotations

import unicodedata

from schema.catalog import load_catalog
from schema.rates import load_rates
from station_client.core.fee_preview import preview_fee
from station_client.core.outbox_rules import OpState
from station_client.ui.viewmodels.finish import upload_line
from station_client.ui.viewmodels.linebreak import NO_END, NO_START, break_lines, pieces


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


HINT = "收到原件后勾选；可为每项材料添加扫描件（JPG、PNG、PDF，每个不超过 10 MB）。"


def test_chinese_breaks_between_characters_and_latin_words_stay_whole():
    for width in range(12, 80):
        lines = break_lines(HINT, width, cells)
        assert "".join(lines).replace(" ", "") == HINT.replace(" ", ""), width
        assert all(cells(line) <= width for line in lines), (width, lines)
        words = " ".join(lines)
        for word in ("JPG", "PNG", "PDF", "10", "MB"):
            assert word in words, (width, lines)  # never "P" / "DF"


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one():
    text = "请在 4,588.00 至 22,938.00 元之间选择。（2026 年度基数尚未公布，暂按 2025 年度执行）。“逝者姓名”必须填写：请向申请人询问后补填。"
    for width in range(10, 90):
        lines = break_lines(text, width, cells)
        assert all(line and line[0] not in NO_START for line in lines), (width, lines)
        assert all(line[-1] not in NO_END for line in lines), (width, lines)
        assert "4,588.00" in " ".join(lines) and "22,938.00" in " ".join(lines)


def test_a_lone_full_stop_goes_with_the_character_before_it():
    # 18 cells fit "一二三四五六七八九" exactly; the "。" may not start the next line alone.
    assert break_lines("一二三四五六七八九。", 18, cells) == ["一二三四五六七八", "九。"]
    assert pieces("（JPG、PNG）。") == ["（JPG、", "PNG）。"]


def test_given_newlines_stay_and_a_word_longer_than_the_line_is_cut():
    assert break_lines("第一行\n第二行", 40, cells) == ["第一行", "第二行"]
    assert break_lines("C:\\exports\\receipt-2026.pdf", 10, cells) == [
        "C:\\exports",
        "\\receipt-2",
        "026.pdf",
    ]
    assert break_lines("不换行", 0, cells) == ["不换行"]


def test_the_upload_line_says_what_is_true():
    assert "待上报，联网后自动上报" in upload_line(None)
    assert "待上报，联网后自动上报" in upload_line([OpState.PENDING])
    assert upload_line([OpState.DONE]).startswith("已上报")
    assert upload_line([OpState.DONE, OpState.BLOCKED]) == upload_line([OpState.PENDING])
    assert "同步问题" in upload_line([OpState.DONE, OpState.SET_ASIDE])
    assert "综合业务科" in upload_line([OpState.FAILED])


def test_a_base_below_the_floor_names_the_base_field():
    item = load_catalog().item("G14")
    preview = preview_fee(
        item, {"base": "1000", "period_start": "2025-01", "period_end": "2025-03"}, load_rates()
    )
    assert preview is not None and not preview.ok
    assert preview.field == "base" and "低于" in preview.message and "请在" in preview.message
