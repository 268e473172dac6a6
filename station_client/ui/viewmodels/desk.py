"""Who is being served at the desk right now, and for what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schema.records import PersonRecord
from schema.vocabulary import ApplicantKind
from station_client.core.intake_rules import ApplicantInput

# What the form is for: a new case, a 补正 of a returned case, a correction of a set-aside one.
INTAKE, SUPPLEMENT, RESEND = "intake", "supplement", "resend"


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


def applicant_of(raw: Mapping[str, Any]) -> Applicant:
    """The applicant of a recorded case (its JSON), back at the desk for a 补正 or a correction."""
    return Applicant(
        kind=ApplicantKind(raw.get("kind", "person")),
        name=str(raw.get("name", "")),
        id_number=raw.get("id_number"),
        uscc=raw.get("uscc"),
        phone=raw.get("phone"),
        verified=True,
    )
