"""The station's error base: a stable ``code`` and a Chinese ``message`` saying what to do.

    StationError
    ├── core.intake_rules.IntakeRefused   a case that cannot be accepted as it stands
    └── services.errors.ServiceError      login, enrolment, state of a case, store …

The UI and the CLI catch :class:`StationError` (and schema's ``ContractError``) and show
``message``; nothing else reaches the clerk as a traceback.
"""

from __future__ import annotations

from typing import Any


class StationError(Exception):
    def __init__(self, code: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})
