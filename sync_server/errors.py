"""``ApiError``: a refusal with an API error code, raised by services and routes alike.

It lives outside ``sync_server.api`` so services do not depend on the HTTP layer
(``api -> services``, never back); the API's handlers turn it into the coded JSON body,
with the HTTP status from ``schema.api_errors.API_ERROR_STATUS``.
"""

from __future__ import annotations

from typing import Any

from schema.api_errors import API_ERROR_MESSAGES, API_ERROR_STATUS
from schema.errors import ContractError


def status_for(code: str, default: int = 400) -> int:
    return int(API_ERROR_STATUS.get(code, default))  # type: ignore[call-overload]


class ApiError(ContractError):
    """A refusal with an API error code; the HTTP status comes from the code's table entry."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        detail: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(code, message or API_ERROR_MESSAGES.get(code, code), detail)  # type: ignore[call-overload]
        self.headers = headers or {}
        self._status = (
            status  # when one code answers more than one status (e.g. 400 unparseable, 422 invalid)
        )

    @property
    def status(self) -> int:
        return self._status or status_for(self.code)
