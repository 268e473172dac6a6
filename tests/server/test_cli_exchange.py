"""``sync-server exchange import`` and ``check`` on both backends: rows reported by line and
code, the same file twice changes nothing, a file of another source refused with its code."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.db.engine import Database
from tests.server.test_cli_admin import refused, run
from tests.server.test_exchange_import import MALFORMED, PENSIONERS, _seed, death_file


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "server"
    result = run("init", "--data-dir", path, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    return path


def test_import_reports_rows_and_a_second_import_changes_nothing(
    data_dir: Path, db: Database, tmp_path: Path
) -> None:
    _seed(db)
    file = tmp_path / "卫健委死亡名单.csv"
    file.write_bytes(death_file())

    first = run("exchange", "import", "--data-dir", data_dir, "--source", "death", file)
    assert first.exit_code == 0, first.output
    assert "共 1000 行，导入 995 行，退回 5 行" in first.output
    for line, (_row, code) in MALFORMED.items():
        assert f"{line}" in first.output and code in first.output
    assert f"暂停待遇 {len(PENSIONERS)} 项，新立稽核案件 {len(PENSIONERS)} 件" in first.output

    again = run("exchange", "import", "--data-dir", data_dir, "--source", "death", file)
    assert again.exit_code == 0 and "本次未作任何改动" in again.output

    listed = run("exchange", "cases", "--data-dir", data_dir)
    assert listed.output.count("死亡后仍领取待遇") == len(PENSIONERS)
    monthly = run("exchange", "check", "--data-dir", data_dir)
    assert monthly.exit_code == 0 and "新立稽核案件 0 件" in monthly.output


def test_a_file_of_another_source_is_refused_with_its_code(data_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "prison.csv"
    file.write_bytes(death_file())
    refusal = refused(run("exchange", "import", "--data-dir", data_dir, "--source", "prison", file))
    assert "exchange_file_header" in refusal and "收监日期" in refusal
