"""GUI test fixtures: a real StationApp window on the Xvfb display, driven in process.

Every test here is marked ``gui``. A Tk callback error (or an unexpected error in a
background job, which the app reports the same way) fails the test. Pending ``after``
jobs are cancelled before the window is destroyed (``StationApp.shutdown``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from station_client.store import meta
from tests.support.stationkit import StationHome
from tests.support.uidriver import Driver

DEAD_SERVER = "https://127.0.0.1:9"  # nothing listens: a sync round fails at once, "offline"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session", autouse=True)
def _display() -> Iterator[None]:
    """The display to draw on. Under pytest-xdist each worker gets its own Xvfb: windows of two
    processes on one display steal each other's keyboard focus, and key events need it."""
    if os.environ.get("PYTEST_XDIST_WORKER") and shutil.which("Xvfb"):
        with private_xvfb() as display:
            previous = os.environ.get("DISPLAY")
            os.environ["DISPLAY"] = display
            yield
            if previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = previous
        return
    if not os.environ.get("DISPLAY"):
        pytest.fail("GUI tests need a display: run them under xvfb-run (make test does).")
    yield


@contextmanager
def private_xvfb() -> Iterator[str]:
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def city_ca(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from sync_server.tls import create_city_pki

    return create_city_pki(tmp_path_factory.mktemp("pki"), ["127.0.0.1"]).ca_cert.read_bytes()


@pytest.fixture
def ui_home(station_home: StationHome, city_ca: bytes) -> StationHome:
    """The station of ``station_home``, with clerk1's key wrapped on this PC and no server to reach."""
    station_home.login("clerk1")
    meta.put(station_home.db, meta.SERVER_URL, DEAD_SERVER)
    station_home.paths.ca.write_bytes(city_ca)
    return station_home


@pytest.fixture
def ui(ui_home: StationHome) -> Iterator[Driver]:
    driver = Driver.start(ui_home.paths.home, start_sync=False)
    try:
        yield driver
    finally:
        driver.close()
    driver.assert_no_errors()
