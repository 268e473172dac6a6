"""Errors of the store layer (Chinese ``message`` for the clerk)."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used as asked (missing, too new, not enrolled …)."""

    def __init__(self, message: str, code: str = "store_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail: dict[str, object] = {}
