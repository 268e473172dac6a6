"""Who is being served at the desk right now, and for what."""

from __future__ import annotations

from dataclasses import dataclass

from schema.records import PersonRecord
from schema.vocabulary import ApplicantKind
from station_client.core.intake_rules import ApplicantInput


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    name: str
    id_number: str | None = None
    uscc: str | None = None
    phone: str | None = None
    record: PersonRecord | None = None  # the registry record, when the township's slice has it
    verified: bool = False  # found in the local registry slice

    def to_input(self) -> ApplicantInput:
        return ApplicantInput(
            name=self.name, id_number=self.id_number, uscc=self.uscc, phone=self.phone or None, kind=self.kind
        )

    @property
    def line(self) -> str:
        """``王建国（511102198005171235）`` plus 未核实 when not in the slice."""
        code = self.id_number or self.uscc or ""
        mark = "" if self.verified or self.kind is ApplicantKind.UNIT else "　【未核实】"
        return f"{self.name}（{code}）{mark}"


@dataclass
class DeskState:
    applicant: Applicant | None = None
    item_code: str | None = None
