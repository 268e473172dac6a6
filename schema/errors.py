"""The exception hierarchy of the contract.

Every error the contract raises carries a stable machine-readable ``code`` and a
Simplified-Chinese ``message`` that tells a clerk what is wrong and what to do next::

    ContractError
    ├── IdentifierError      ID number / USCC failed validation      (schema.identifiers)
    ├── DivisionError        unknown or out-of-city division code    (schema.divisions)
    ├── CatalogError         unknown item, malformed catalog data    (schema.catalog)
    ├── FeeError             base outside limits, no rate in force   (schema.fees, schema.rates)
    ├── BenefitError         no benefit parameter, inputs out of range (schema.pension, …)
    ├── WorkdayError         no holiday data for a year               (schema.workdays)
    ├── TransitionError      illegal case state change / wrong actor  (schema.lifecycle)
    ├── CaseNumberError      malformed case number                    (schema.cases)
    └── AuthError            signed request refused                   (schema.signing)

Codes are lowercase ``snake_case`` strings, grouped by prefix (``id_``, ``uscc_``,
``fee_`` ...). They never change meaning once released; the full table is
``schema.error_codes.ERROR_CODES`` and README's "Error codes" section, which a test
keeps in step.
"""

from __future__ import annotations

from typing import Any


class ContractError(Exception):
    """Base of every error raised by the contract."""

    def __init__(self, code: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})

    def as_dict(self) -> dict[str, Any]:
        """The ``{code, message, detail}`` body used on the wire and in the UI."""
        return {"code": self.code, "message": self.message, "detail": self.detail}


class IdentifierError(ContractError):
    """A resident ID number or a unified social credit code is invalid."""


class DivisionError(ContractError):
    """A division code is unknown or not in Leshan."""


class CatalogError(ContractError):
    """A business item is unknown, or catalog data is malformed."""


class FeeError(ContractError):
    """A contribution cannot be computed as asked (base outside limits, no rate in force ...)."""


class BenefitError(ContractError):
    """A benefit cannot be calculated as asked (no rate-book parameter, inputs out of range)."""


class WorkdayError(ContractError):
    """A due date cannot be counted because holiday data for a year is missing."""


class TransitionError(ContractError):
    """A case state change is not allowed from this state, or not by this actor."""
