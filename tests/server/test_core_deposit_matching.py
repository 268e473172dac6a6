"""日结存款对账, the pure rules: which deposits pay which closes, to the fen, and what stays open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sync_server.core.deposit_file import DepositLine, deposit_file, parse_deposits, station_of
from sync_server.core.deposit_matching import Close, Deposit, match

A, B = "511102004-00", "511102005-00"
MON = dt.date(2026, 12, 7)


def day(n: int) -> dt.date:
    return MON + dt.timedelta(days=n)


def close(i: int, cash: str, d: int = 0, station: str = A) -> Close:
    return Close(i, station, day(d), Decimal(cash))


def dep(i: int, amount: str, d: int = 0, station: str | None = A) -> Deposit:
    return Deposit(i, station, day(d), Decimal(amount))


def test_one_deposit_pays_one_close_with_its_counted_cash() -> None:
    result = match([close(1, "2999.50")], [dep(10, "2999.50", 1)])
    assert [(m.rule, m.close_ids, m.deposit_ids) for m in result.matches] == [("one", (1,), (10,))]
    assert result.open_closes == result.open_deposits == ()


def test_no_tolerance_a_fen_short_matches_nothing_and_both_stay_open() -> None:
    result = match([close(1, "2999.50")], [dep(10, "2999.49", 1)])
    assert result.matches == ()
    assert (result.open_closes, result.open_deposits) == ((1,), (10,))


def test_one_deposit_covers_several_days() -> None:
    closes = [close(1, "100.00", 0), close(2, "250.50", 1), close(3, "80.00", 2)]
    result = match(closes, [dep(10, "430.50", 3)])
    assert [(m.rule, m.close_ids, m.total) for m in result.matches] == [
        ("days", (1, 2, 3), Decimal("430.50"))
    ]


def test_a_close_split_over_several_deposits() -> None:
    result = match([close(1, "5000.00")], [dep(10, "3000.00", 0), dep(11, "2000.00", 1)])
    assert [(m.rule, m.deposit_ids) for m in result.matches] == [("split", (10, 11))]


def test_a_deposit_before_the_close_day_or_from_another_station_does_not_pay_it() -> None:
    result = match([close(1, "100.00", 2)], [dep(10, "100.00", 1), dep(11, "100.00", 3, station=B)])
    assert result.matches == ()
    assert (result.open_closes, result.open_deposits) == ((1,), (10, 11))


def test_each_close_takes_the_earliest_deposit_that_fits_and_leftovers_show_both_ways() -> None:
    closes = [close(1, "100.00", 0), close(2, "100.00", 1), close(3, "75.00", 2)]
    deposits = [
        dep(10, "100.00", 0),
        dep(11, "100.00", 1),
        dep(12, "60.00", 3),
        dep(13, "9.99", 3, station=None),
    ]
    result = match(closes, deposits)
    assert [(m.close_ids, m.deposit_ids) for m in result.matches] == [((1,), (10,)), ((2,), (11,))]
    assert (result.open_closes, result.open_deposits) == ((3,), (12, 13))


def test_a_close_without_cash_needs_no_deposit() -> None:
    result = match([close(1, "0.00")], [])
    assert [(m.rule, m.close_ids) for m in result.matches] == [("nothing", (1,))]
    assert result.open_closes == ()


def test_the_deposit_file_round_trips_and_finds_the_station_by_account_or_memo() -> None:
    lines = [
        DepositLine(
            2, "B001", day(1), "6228480000000001", "大佛街道社保服务站", Decimal("2999.50"), "日结 12月7日"
        ),
        DepositLine(3, "B002", day(1), "6222000000000002", "张三", Decimal("100.00"), "日结 511102005-00"),
        DepositLine(4, "B003", day(1), "6222000000000003", "李四", Decimal("1.00"), "货款"),
    ]
    parsed, problems = parse_deposits(deposit_file("中国农业银行乐山分行", "51001600000000001", lines))
    assert problems == [] and parsed is not None
    assert parsed.lines == tuple(lines) and parsed.total == Decimal("3100.50")
    accounts = {"6228480000000001": A}
    assert [station_of(x, accounts, {A, B}) for x in parsed.lines] == [A, B, None]


def test_a_bad_deposit_file_lists_every_problem_by_line() -> None:
    text = "H,SSB-DEP-1,农行,510016\r\nD,B1,2026-13-01,6228,x,10.00,m\r\nD,B2,2026-12-08,6228,x,10.005,m\r\nT,2,20.00\r\n"
    parsed, problems = parse_deposits(text)
    assert parsed is None
    assert [(p.line, p.code) for p in problems] == [
        (2, "deposit_line_malformed"),
        (3, "deposit_line_malformed"),
    ]
    _, trailer = parse_deposits("H,SSB-DEP-1,农行,510016\r\nD,B1,2026-12-08,6228,x,10.00,m\r\nT,1,10.01\r\n")
    assert [(p.line, p.code) for p in trailer] == [(3, "deposit_trailer_mismatch")]
