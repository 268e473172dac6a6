"""The PyInstaller bundle (packaging/station-client.spec) builds on Linux and runs under Xvfb:
``--version``, the login window opened and closed (``gui --self-test``), and the one-line
message without a display. Windows builds the same spec on Windows (no cross-compiling)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stationkit import make_station_home

pytestmark = [pytest.mark.slow, pytest.mark.gui]

ROOT = Path(__file__).resolve().parents[2]
PYINSTALLER = Path(sys.executable).with_name("pyinstaller")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    subprocess.run(
        [
            str(PYINSTALLER),
            "--noconfirm",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "packaging" / "station-client.spec"),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return work / "dist" / "station-client"


def test_the_bundle_reports_its_version(bundle: Path):
    from station_client import __version__

    done = subprocess.run(
        [str(bundle / "station-client-cli"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == f"station-client {__version__}"


def test_the_bundle_opens_the_login_window_under_xvfb(bundle: Path, tmp_path: Path):
    if not os.environ.get("DISPLAY"):
        pytest.fail("needs a display: run under xvfb-run (make test does)")
    from station_client.paths import StationPaths

    home = make_station_home(StationPaths.of(tmp_path / "station"))
    home.db.close()
    done = subprocess.run(
        [str(bundle / "station-client"), "gui", "--home", str(home.paths.home), "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "自检通过" in done.stdout


def test_the_bundle_without_a_display_says_so_in_one_line(bundle: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run(
        [str(bundle / "station-client"), "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip().startswith("错误（no_display）：无法打开工作站窗口")
        and "Traceback" not in done.stderr
    )
