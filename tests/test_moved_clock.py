"""The tests that go through the real clock hold in any year, not just the one they were
written in: a representative subset runs again in a child pytest with the clock moved
forward by libfaketime (Debian's ``faketime``, installed by scripts/ensure-system-packages).

The moments are relative to today, so the check keeps looking ahead as years pass: the
middle of March next year, and 10 January of the year after (the first days of a year,
when last year's months have just become back-payments for G12/G14). Every process the
child starts (servers, Xvfb) shares the same offset. The subset is one of each kind of
date-bound test: the station's CLI, a push through the real server on both backends, the
attribution of a G12 push, and the station window's fee form. Tests that take a fixed
``now``/``today`` need no such run (``stationkit.NOW``; ``tests/support/dates.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest

from tests.support.dates import BEIJING, today

ROOT = Path(__file__).resolve().parents[1]
SUBSET = (
    "tests/station/test_cli_intake.py",
    "tests/server/test_push_api.py::test_general_complex_and_fee_cases_are_applied_attributed_and_routed",
    "tests/server/test_push_attribution.py::test_g12_keeps_the_household_and_stores_the_residence_apart",
    "tests/station/ui/test_screens.py::test_a_fee_item_shows_the_amount_and_its_decomposition_before_confirming",
)
MOMENTS = {
    "next-march": lambda year: date(year + 1, 3, 15),
    "january-after-next": lambda year: date(year + 2, 1, 10),
}

pytestmark = pytest.mark.slow


def _faketime() -> str:
    found = shutil.which("faketime")
    assert found, "faketime is missing: run scripts/ensure-system-packages (make test does)"
    return found


def _offset_to(day: date) -> int:
    """Seconds from now to 10:00 in Leshan on ``day``: what libfaketime adds to every clock."""
    target = datetime.combine(day, time(10, 0), BEIJING)
    return round((target - datetime.now(BEIJING)).total_seconds())


def _moved(offset: int, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    command = [_faketime(), "-f", f"+{offset}s", sys.executable, *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_the_clock_bound_tests_pass_with_the_clock_moved_ahead(moment: str) -> None:
    day = MOMENTS[moment](today().year)
    offset = _offset_to(day)
    seen = _moved(offset, "-c", "from tests.support.dates import today; print(today())", timeout=60)
    assert seen.stdout.strip() == day.isoformat(), seen.stderr  # the child really lives on that day
    run = _moved(
        offset, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *SUBSET, timeout=600
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, f"on {day}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= len(SUBSET) + 1, summary  # nothing skipped away
    assert "skipped" not in summary, summary
