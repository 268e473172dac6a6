"""How a benefit amount came about: the inputs, each step and the rate-book entries used.

Every benefit calculation (:mod:`schema.pension`, :mod:`schema.unemployment`,
:mod:`schema.personal_account`) returns a frozen model built on :class:`Calculation`, so
the server can store ``model_dump(mode="json")`` beside the benefit and a reviewer reads
the same steps the code took: each step names the rule, writes the arithmetic with the
actual figures, and gives the amount it produced. Money is ``Decimal`` yuan to the fen,
rounded half up once per step (``schema.money.to_fen``); a total is the sum of its
rounded parts, so the parts always add up to it.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalculationStep(_Frozen):
    """One step: what it is (``基础养老金``), the arithmetic with its figures, the result."""

    label: str
    formula: str
    amount: Decimal


class ParameterUsed(_Frozen):
    """A rate-book entry a calculation used; ``confirmed=False`` warns the reviewer."""

    name: str  # the rate book's dotted path, e.g. "benefits.pension_base_wages.2024"
    label: str  # what it is, in Chinese
    value: str
    source: str
    confirmed: bool


class Calculation(_Frozen):
    """What every calculation keeps. ``kind`` names the rule; ``inputs`` are as given, as text."""

    kind: str
    basis: str  # the document the rule comes from
    inputs: dict[str, str]
    steps: tuple[CalculationStep, ...]
    parameters: tuple[ParameterUsed, ...] = ()

    @property
    def unconfirmed(self) -> tuple[str, ...]:
        """The rate-book entries used that the bureau has not yet confirmed."""
        return tuple(p.name for p in self.parameters if not p.confirmed)


def yuan(amount: Decimal) -> str:
    """An amount as it appears in a formula: ``7646`` → ``"7646.00"``."""
    return f"{amount:.2f}"


def percent(rate: Decimal) -> str:
    """A rate as it appears in a formula: ``0.012`` → ``"1.2%"``."""
    return f"{(rate * 100).normalize():f}%"
