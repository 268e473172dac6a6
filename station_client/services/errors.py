"""The error every service raises for the clerk (see :mod:`station_client.core.errors`).

Lower errors (schema's ContractError, crypto, store) are turned into it at the service
boundary so the UI and CLI catch one type.
"""

from __future__ import annotations

from station_client.core.errors import StationError


class ServiceError(StationError):
    """A service refused: ``code`` is stable, ``message`` is Chinese and says what to do next."""
