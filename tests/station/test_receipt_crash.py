"""Receipt numbering without gaps across a SIGKILL (issue 15).

A real desk process takes a fee-paying case in and prints its 缴费收据
(``receipt_crash_station.py``), and is killed with SIGKILL at a named point
(``station_client.sync.crash_points``): inside the payment's transaction, right after the
receipt took its stock number, or later while the receipt's PDF is being laid out. What
is left must be exactly: killed before the commit, no case and no receipt, and the next
payment takes that same number; killed while printing, the payment and its number are
recorded, the receipt prints again with that number, and the next payment takes the next.
Never a hole in the stock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from schema.receipt_numbers import number_text
from station_client.core.intake_rules import ApplicantInput
from station_client.services import receipt_pdf, receipt_stock
from station_client.services.intake import IntakeRequest, intake
from station_client.store import open_store
from station_client.store import receipts as store
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, StationHome

pytestmark = pytest.mark.slow

HELPER = Path(__file__).with_name("receipt_crash_station.py")
FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}
G14 = IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"])


def _killed_at(home: StationHome, point: str) -> str:
    """Run the desk process armed at ``point``; it must die there. Its output before the kill."""
    env = {
        **os.environ,
        "SSB_RECOVERY_KEY": home.recovery_key,
        "SSB_CRASH_AT": point,
        "PYTHONPATH": str(Path.cwd()),
    }
    process = subprocess.run(
        [sys.executable, str(HELPER), str(home.paths.home)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, (
        point,
        process.returncode,
        process.stdout,
        process.stderr[-2000:],
    )
    assert "survived" not in process.stdout
    return process.stdout


def _stock_numbers(home: StationHome) -> list[str]:
    """The 票据号码 the store holds, in order (read afresh, as after a restart)."""
    db = open_store(home.paths.home)
    try:
        return [number_text(s, n) for s, n in sorted(store.used_numbers(db), key=lambda used: used[1])]
    finally:
        db.close()


def test_a_kill_before_the_payment_commits_gives_the_number_back(station_home: StationHome):
    out = _killed_at(station_home, "receipt.numbered")
    assert out.strip() == "ready"  # killed inside the intake, before it could say it saved
    db = open_store(station_home.paths.home)
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0  # nothing of the payment was kept
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 0
    db.close()
    session = station_home.login("clerk1")
    paid = intake(session, G14, now=NOW)
    assert _stock_numbers(station_home) == ["51110026-00000001"]  # the same number, no hole
    assert paid.receipt_number == "511102004-00-20261126-F0001"
    assert receipt_stock.gaps(session.db) == []


def test_a_kill_while_printing_leaves_the_number_used_and_the_receipt_reprintable(station_home: StationHome):
    out = _killed_at(station_home, "receipt.rendering")
    assert "saved 511102004-00-20261126-F0001" in out  # the payment committed, then printing died
    assert _stock_numbers(station_home) == ["51110026-00000001"]
    session = station_home.login("clerk1")
    again = receipt_pdf.receipt_pdf(session.db, session.dek, "511102004-00-20261126-F0001")
    doc = store.get(session.db, session.dek, "511102004-00-20261126-F0001")
    assert again.pdf.startswith(b"%PDF") and doc is not None and doc["stock_number"] == "51110026-00000001"
    intake(session, G14, now=NOW)
    assert _stock_numbers(station_home) == ["51110026-00000001", "51110026-00000002"]
    assert receipt_stock.gaps(session.db) == []
