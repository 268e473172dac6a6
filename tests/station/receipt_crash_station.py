"""The desk side of the receipt crash test, run as its own process: ``python receipt_crash_station.py HOME``.

Logs ``clerk1`` in (through ``SSB_RECOVERY_KEY``), arms the crash point named in
``SSB_CRASH_AT`` (``receipt.numbered`` inside the payment's transaction, or
``receipt.rendering`` while its PDF is laid out; ``station_client.sync.crash_points``),
says ``ready``, takes a fee-paying case in and prints its payment receipt. The crash point
kills the process with SIGKILL; one that never reaches it prints ``survived`` and exits 0,
which the test reports as a failure.
"""

from __future__ import annotations

import os
import sys

from station_client.core.intake_rules import ApplicantInput
from station_client.services import receipt_pdf
from station_client.services.intake import IntakeRequest, intake
from station_client.services.session import login
from station_client.store import open_store
from station_client.sync import crash_points
from tests.support.stationkit import KNOWN_ID, KNOWN_NAME, NOW, PASSWORDS

FLEXIBLE = {"base": "5000", "period_start": "2026-01", "period_end": "2026-03", "include_medical": True}


def main(home: str) -> None:
    db = open_store(home, create=False)
    session = login(db, "clerk1", PASSWORDS["clerk1"], now=NOW, recovery_key=os.environ["SSB_RECOVERY_KEY"])
    crash_points.arm_from_spec(os.environ["SSB_CRASH_AT"])
    print("ready", flush=True)
    result = intake(
        session, IntakeRequest("G14", ApplicantInput(KNOWN_NAME, KNOWN_ID), FLEXIBLE, ["id_card"]), now=NOW
    )
    print(f"saved {result.receipt_number}", flush=True)
    assert result.receipt_number is not None
    receipt_pdf.receipt_pdf(db, session.dek, result.receipt_number)
    print("survived", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
