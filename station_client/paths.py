"""Where a station keeps its files.

``<home>/station.db`` is the encrypted store, ``<home>/ca.pem`` the pinned city CA,
``<home>/exports/`` receipt PDFs written only when printing. The default home is the
platform's per-user data directory (platformdirs); ``--home`` overrides it, which is how
tests and a second station on one PC work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "leshan-ssb-station"
APP_AUTHOR = "leshan-ssb"
DB_NAME = "station.db"
CA_NAME = "ca.pem"
EXPORTS_NAME = "exports"


def default_home() -> Path:
    """The per-user data directory (e.g. ``~/.local/share/leshan-ssb-station`` on Linux)."""
    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR)


@dataclass(frozen=True, slots=True)
class StationPaths:
    """The files of one station home."""

    home: Path

    @classmethod
    def of(cls, home: str | Path | None = None) -> StationPaths:
        return cls(Path(home).expanduser() if home else default_home())

    @property
    def db(self) -> Path:
        return self.home / DB_NAME

    @property
    def ca(self) -> Path:
        return self.home / CA_NAME

    @property
    def exports(self) -> Path:
        return self.home / EXPORTS_NAME

    def ensure(self) -> StationPaths:
        """Create the home directory (owner-only where the platform honours modes)."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self
