"""The sealed document of a station case (``cases.enc``): every key it may hold, typed. Pure.

The plain columns of ``cases`` say what lists and sync need; the rest of what the station
knows about a case lives here, encrypted. Each step at the desk or from the server
changes it through one method, so no writer adds a key the readers do not know:

* intake: :meth:`CaseDocument.accepted` (the payload as accepted);
* 补正: :meth:`with_supplement` (the form and materials as they now stand);
* withdrawal: :meth:`with_withdrawal`;
* a corrected ``case_accept`` sent again: :meth:`with_corrected_payload`, and every
  resend of a refused operation: :meth:`with_resend`;
* pulled records: :meth:`with_decision`, :meth:`with_conflict`.

Documents stored by earlier versions lack the later keys: each has a default. A key this
version does not know (written by a newer client) is kept as it is, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from schema.cases import CasePayload
from schema.protocol import SupplementPayload
from schema.records import ConflictNote, DecisionRecord


class ResendNote(BaseModel):
    """A refused operation of the case replaced by a corrected one (修正并重新上报)."""

    model_config = ConfigDict(frozen=True)

    old_op_id: str  # the refused operation's id; the corrected one has a new id
    code: str | None  # the server's reason for refusing it
    at: AwareDatetime


class CaseDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    payload: CasePayload  # as accepted (or as corrected and sent again)
    decision: DecisionRecord | None = None  # the latest decision pulled
    supplements: tuple[SupplementPayload, ...] = ()  # 补正 sent so far, oldest first
    withdraw_reason: str | None = None
    # The form's values and the materials as they stand after 补正 (None: as accepted).
    form: dict[str, JsonValue] | None = None
    materials: tuple[str, ...] | None = None
    resends: tuple[ResendNote, ...] = ()
    conflict: ConflictNote | None = None  # sent to 综合业务科, and later how it was resolved

    @classmethod
    def accepted(cls, payload: CasePayload) -> CaseDocument:
        return cls(payload=payload)

    @property
    def current_form(self) -> dict[str, JsonValue]:
        return dict(self.form or self.payload.form)

    @property
    def current_materials(self) -> tuple[str, ...]:
        return tuple(self.materials or self.payload.materials_provided)

    def with_supplement(
        self, body: SupplementPayload, form: dict[str, JsonValue], materials: Sequence[str]
    ) -> CaseDocument:
        return self._with(form=dict(form), materials=tuple(materials), supplements=(*self.supplements, body))

    def with_withdrawal(self, reason: str) -> CaseDocument:
        return self._with(withdraw_reason=reason)

    def with_corrected_payload(self, payload: CasePayload) -> CaseDocument:
        """A corrected ``case_accept``: its form is the case's form from now on."""
        return self._with(payload=payload, form=dict(payload.form))

    def with_resend(self, old_op_id: str, code: str | None, at: datetime) -> CaseDocument:
        return self._with(resends=(*self.resends, ResendNote(old_op_id=old_op_id, code=code, at=at)))

    def with_decision(self, record: DecisionRecord) -> CaseDocument:
        return self._with(decision=record)

    def with_conflict(self, note: ConflictNote) -> CaseDocument:
        return self._with(conflict=note)

    def _with(self, **changes: object) -> CaseDocument:
        # Validated again, so a step can never store what a reader could not load.
        return CaseDocument.model_validate(self.model_dump(mode="python") | changes)

    def to_json(self) -> dict[str, JsonValue]:
        """What is sealed into ``cases.enc``."""
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return data
