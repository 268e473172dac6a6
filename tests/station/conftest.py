"""Station fixtures, shared by the store, session, intake and sync tests.

``station_home``: an enrolled station home (as ``enroll`` leaves it, without the network):
store open, DEK created, station key sealed, recovery wrap, staff accounts applied, a
few persons in the township's registry slice. ``session``: clerk ``clerk1`` logged in
(first login on this PC, through the recovery key). Constants and builders (``NOW``,
``KNOWN_ID``, ``staff_account``, ``person``, ``make_station_home``) are in ``stationkit``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from station_client.paths import StationPaths
from station_client.services.session import Session
from tests.support.stationkit import StationHome, make_station_home


@pytest.fixture
def station_home(tmp_path) -> Iterator[StationHome]:
    home = make_station_home(StationPaths.of(tmp_path / "station"))
    yield home
    home.db.close()


@pytest.fixture
def session(station_home: StationHome) -> Session:
    return station_home.login("clerk1")
