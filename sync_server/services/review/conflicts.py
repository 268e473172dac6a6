"""Conflict cases: a registry change from a station that met newer data (docs/design.md §4, "Ownership").

Ingest never overwrites a registry row changed since the clerk saw it; it opens a
``conflicts`` row with both versions and parks the case in status ``conflict`` for
综合业务科. Here an administrator looks at both side by side and resolves it:

* ``server``: keep what the registry holds. Nothing changes in the registry; the person's
  current record goes down to the township again, so the station shows the truth.
* ``station``: apply the station's change on top of today's row. The change is computed
  again by the same pure rules ingest uses (:func:`core.registry_effects.effect_of`)
  against the row as it is now, so nothing the other writer changed is lost beyond the
  fields this case changes; the new row version goes to the township's stations.

The case then moves on: a complex case goes back to its section's queue
(``resolve_conflict`` in the lifecycle table); a general item was finished at the desk,
so it becomes ``completed`` (the lifecycle has no conflict edge for general items: the
same administrator rule is applied here). The desk money, held in suspense while the
conflict was open, moves on (:mod:`.case_money`). Each resolution writes the case
event, the ledger entries, the station's case change (saying how it was resolved), the
registry feed changes and the audit entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schema.catalog import load_catalog, validate_form
from schema.errors import ContractError, TransitionError
from schema.identifiers import parse_resident_id
from schema.lifecycle import Actor, CaseEvent, CaseStatus, transition
from schema.protocol import Change, ChangeKind
from schema.records import ConflictNote
from schema.vocabulary import Role, Tier
from sync_server.core import suspense
from sync_server.core.case_moved import Step, case_moved
from sync_server.core.clock import beijing_date
from sync_server.core.feed_change import township_scope
from sync_server.core.ingest.registry_slice import RegistrySlice
from sync_server.core.registry_effects import Change as RegistryChange
from sync_server.core.registry_effects import effect_of, held_now, subject_field
from sync_server.db.tables import cases, changes, conflicts, stations
from sync_server.errors import ApiError
from sync_server.services.admin.staff_names import display_names
from sync_server.services.feed import changes as feed
from sync_server.services.feed import person_slice
from sync_server.services.feed.case_records import case_change
from sync_server.services.ingest import registry_updates
from sync_server.services.review import case_money, case_moves
from sync_server.services.review import decide as review
from sync_server.services.review.case_view import ENROLMENT_KIND, ENROLMENT_STATUS, SEX_LABELS, division_name

DbRow = Any
RESOLUTIONS = {"server": "保留人员库现有信息", "station": "采用服务站提交的变更"}
REASONS = {
    "stale_version": "服务站依据的信息已被他人更新",
    "row_missing": "人员库中没有这条记录",
    "row_exists": "服务站以为没有记录，人员库中已有",
}
FIELD_LABELS = {
    "id_number": "公民身份号码",
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "township_code": "户籍所在乡镇（街道）",
    "phone": "联系电话",
    "address": "联系地址",
    "version": "版本",
    "insurance_type": "险种",
    "insurance_types": "险种",
    "county_code": "参保地",
    "kind": "参保身份",
    "status": "参保状态",
    "since": "参保日期",
    "unit_uscc": "参保单位",
    "stop_month": "停保年月",
}


def reason_of(row: DbRow) -> str:
    if not row.current_version:
        return "row_missing"
    return "row_exists" if row.base_version in (None, 0) else "stale_version"


def _shown(name: str, value: Any) -> str:
    if value is None or value in ("", []):
        return "—"
    if name == "sex":
        return SEX_LABELS.get(str(value), str(value))
    if name in ("township_code", "county_code"):
        return division_name(str(value))
    if name == "status":
        return ENROLMENT_STATUS.get(str(value), str(value))
    if name == "kind":
        return ENROLMENT_KIND.get(str(value), str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Compared:
    label: str
    server: str
    station: str | None  # None: the station's change does not touch this field
    differs: bool
    original: str | None = None  # what the station started from; None: not known
    moved: bool = False  # someone else changed it since the station's version


def compare(
    current: dict[str, Any], proposed: dict[str, Any], original: dict[str, Any] | None = None
) -> list[Compared]:
    """Field by field, each once: what the station started from (when known), the registry's
    version when the conflict was found, and what the station asked for."""
    names = [n for n in FIELD_LABELS if n in current or n in proposed]
    names += sorted((set(current) | set(proposed)) - set(names))
    out = []
    for name in names:
        server = _shown(name, current.get(name))
        station = _shown(name, proposed[name]) if name in proposed else None
        # a field the station's version does not carry (kind: stations are not told) is unknown
        known = original is not None and (not original or name in original)
        before = _shown(name, original.get(name)) if original is not None and known else None
        out.append(
            Compared(
                FIELD_LABELS.get(name, name),
                server,
                station,
                station is not None and station != server,
                before,
                before is not None and before != server,
            )
        )
    return out


def _as_registry_row(record: dict[str, Any], entity: str, key: str) -> dict[str, Any] | None:
    """A person record as stations hold it, in the registry's field names (the conflict's)."""
    if entity == "person":
        renamed = {"township": "township_code", "residence": "residence_code"}
        fields = (
            "id_number",
            "name",
            "sex",
            "birth_date",
            "township",
            "phone",
            "address",
            "version",
            "residence",
        )
        return {renamed.get(f, f): record.get(f) for f in fields}
    number, _, insurance = key.partition(":")
    for e in record.get("enrolments") or []:
        if e.get("insurance") == insurance:
            return {"id_number": number, "insurance_type": insurance, "county_code": e.get("county"),
                    "status": e.get("status"), "since": e.get("since"), "unit_uscc": e.get("unit_uscc"),
                    "version": e.get("version")}  # fmt: skip
    return {}  # the station's version had no enrolment of this insurance


def _from_case(base: Any, conflict: DbRow) -> dict[str, Any] | None:
    """The conflict's row from the case's ``base_record``; None when it does not carry it."""
    if not isinstance(base, dict) or base.get("version") != conflict.base_version:
        return None
    if conflict.entity == "person" and base.get("id_number") is None:
        return None  # an enrolment-only item: the person's row did not travel
    # an enrolment the item changes and the station did not hold comes back as {} (none held)
    return _as_registry_row(base, conflict.entity, conflict.entity_key)


def station_original(
    conn: Connection, conflict: DbRow, township: str, base_record: Any = None
) -> dict[str, Any] | None:
    """The registry row as the station held it (its ``base_version``): from the case's
    ``base_record`` (what current stations send with the change), else from the feed of the
    accepting station's ``township`` (read through the feed index's scope).

    ``{}`` when the station had no row; None when neither carries that version (an older
    station's case based on its first download, which is read from the tables, not kept)."""
    if not conflict.base_version:
        return {}
    carried = _from_case(base_record, conflict)
    if carried is not None:
        return carried
    person = conflict.entity_key.partition(":")[0]
    rows = conn.execute(
        sa.select(changes.c.data)
        .where(
            changes.c.scope == township_scope(township),
            changes.c.kind == ChangeKind.PERSON.value,
            changes.c.key == person,
            changes.c.deleted.is_(False),
        )
        .order_by(changes.c.id.desc())
    ).scalars()
    for data in rows:
        if isinstance(data, dict) and data.get("version") == conflict.base_version:
            return _as_registry_row(data, conflict.entity, conflict.entity_key)
    return None


@dataclass(frozen=True)
class ConflictView:
    conflict: DbRow
    case: DbRow
    station_name: str
    reason: str
    lines: list[Compared]
    original_known: bool  # False: the station's version is not on file (its first download)


def conflict_view(conn: Connection, conflict_id: int) -> ConflictView:
    """The conflict page: the three versions of each field, the case and its station."""
    row = get_conflict(conn, conflict_id)
    case = review.load_case(conn, row.case_id)
    original = station_original(conn, row, case.township_code, (case.payload or {}).get("base_record"))
    name = conn.execute(sa.select(stations.c.name).where(stations.c.id == case.station_id)).scalar()
    return ConflictView(
        conflict=row,
        case=case,
        station_name=name or case.station_id,
        reason=REASONS.get(reason_of(row), ""),
        lines=compare(row.current or {}, row.proposed or {}, original),
        original_known=original is not None,
    )


def list_conflicts(conn: Connection, *, status: str = "open", limit: int = 200) -> list[DbRow]:
    k, c = conflicts.c, cases.c
    query = (
        sa.select(
            k.id,
            k.case_id,
            k.entity,
            k.entity_key,
            k.base_version,
            k.current_version,
            k.status,
            k.resolution,
            k.resolved_by,
            k.created_at,
            k.resolved_at,
            c.case_number,
            c.item_code,
            c.station_id,
            c.applicant_name,
        )
        .join(cases, c.case_id == k.case_id)
        .where(k.status == status)
        .order_by(k.created_at if status == "open" else k.resolved_at.desc(), k.id)
        .limit(limit)
    )
    return list(conn.execute(query).all())


def count_open(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).where(conflicts.c.status == "open")).scalar_one())


def get_conflict(conn: Connection, conflict_id: int, *, for_update: bool = False) -> DbRow:
    query = sa.select(conflicts).where(conflicts.c.id == conflict_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise ApiError("not_found", "找不到该冲突记录。请返回冲突列表刷新。", {"conflict_id": conflict_id})
    return row


def _subject_number(case: DbRow) -> str | None:
    fields = subject_field(case.item_code)
    if fields is None:
        return case.applicant_key if case.applicant_kind == "person" else None
    value = case.payload.get("form", {}).get(fields[0])
    return value if isinstance(value, str) else None


def _case_moves_on(conn: Connection, case: DbRow, actor: Actor) -> tuple[CaseStatus, dict[str, Any]]:
    """Where the case goes after the resolution, checked against the lifecycle's rules."""
    facts = review.facts_of(case)
    if Tier(case.tier) is Tier.COMPLEX:
        target = transition(facts, CaseEvent.RESOLVE_CONFLICT, actor)
        section = load_catalog().item(case.item_code).section
        return target, {"section": section.value if section else case.section}
    # General items: the same rule as the table's complex edge (administrator, from conflict).
    if facts.status is not CaseStatus.CONFLICT:
        raise TransitionError(
            "case_transition_not_allowed",
            f"案件当前状态为「{facts.status.label}」，不是待处理的数据冲突。请刷新后查看。",
            {"status": facts.status.value},
        )
    if actor.role is not Role.ADMIN:
        raise TransitionError(
            "case_actor_not_allowed",
            "只有系统管理员（综合业务科）可以处理数据冲突。您无权对该案件执行此操作。",
            {"rule": "admin"},
        )
    return CaseStatus.COMPLETED, {}


def _apply_station(conn: Connection, case: DbRow, conflict: DbRow, now: dt.datetime) -> list[feed.FeedChange]:
    """Re-run the case's registry change against today's rows; the feed changes it makes."""
    item = load_catalog().item(case.item_code)
    number = _subject_number(case)
    if number is None:
        raise ApiError(
            "request_invalid", "该案件不涉及人员信息变更，无法应用服务站版本。", {"conflict_id": conflict.id}
        )
    on = beijing_date(case.accepted_at)
    form = case.payload.get("form", {})
    values = validate_form(item, form, today=on).values
    try:
        subject = parse_resident_id(number, today=on)
    except ContractError as exc:
        raise ApiError("request_invalid", f"案件中的公民身份号码无效：{exc.message}", {}) from None
    fields = subject_field(item.code)
    name = str(form.get(fields[1])) if fields is not None else case.applicant_name
    registry = registry_updates.load(conn, RegistrySlice(), [subject.number], [subject.number], [])
    person = registry.persons.get(subject.number)
    held = registry.enrolments_of(subject.number)
    base, base_record = held_now(person, held)  # as if the desk had held today's rows
    township = conn.execute(
        sa.select(stations.c.township_code).where(stations.c.id == case.station_id)
    ).scalar()
    effect = effect_of(
        RegistryChange(item.code, values, subject, name, base, person, held,
               case.registration_county or case.county_code, township or case.township_code, on,
               base_record)
    )  # fmt: skip
    if effect.conflict is not None:
        why = REASONS.get(effect.conflict.reason, effect.conflict.reason)
        raise ApiError(
            "request_invalid",
            f"无法采用服务站版本：{why}。请选择“保留人员库现有信息”，并通知服务站按现有信息重新受理。",
            {"reason": effect.conflict.reason},
        )
    registry.apply(effect)
    return registry_updates.write(conn, registry, now)


def _current_record(conn: Connection, case: DbRow) -> list[feed.FeedChange]:
    """The subject's record as the registry holds it, for the township's stations again."""
    number = _subject_number(case)
    return [] if number is None else person_slice.person_changes(conn, [number])


def _told(case: DbRow, note: ConflictNote) -> Change:
    """The case's change for its station, saying how the conflict was resolved."""
    change = case_change(dict(case._mapping))
    if change.kind is not ChangeKind.CASE_STATUS:
        return change
    return change.model_copy(update={"data": {**change.data, "conflict": note.model_dump(mode="json")}})


def resolve(
    conn: Connection, conflict_id: int, choice: str, *, actor: Actor, now: dt.datetime, note: str = ""
) -> DbRow:
    """Resolve an open conflict (``server`` or ``station``) and move its case on."""
    if choice not in RESOLUTIONS:
        raise ApiError(
            "request_invalid",
            "请选择处理方式：保留人员库现有信息，或采用服务站提交的变更。",
            {"field": "choice"},
        )
    conflict = get_conflict(conn, conflict_id, for_update=True)
    if conflict.status != "open":
        raise ApiError(
            "request_invalid",
            f"该冲突已由 {display_names(conn).get(conflict.resolved_by, conflict.resolved_by)} 处理"
            f"（{RESOLUTIONS.get(conflict.resolution, conflict.resolution)}）。",
            {"conflict_id": conflict_id},
        )
    case = review.load_case(conn, conflict.case_id, for_update=True)
    target, moved = _case_moves_on(conn, case, actor)
    changes = (
        _apply_station(conn, case, conflict, now) if choice == "station" else _current_record(conn, case)
    )
    feed.emit_many(conn, changes)
    conn.execute(
        sa.update(conflicts)
        .where(conflicts.c.id == conflict.id)
        .values(status="resolved", resolution=choice, resolved_by=actor.username, resolved_at=now)
    )
    values: dict[str, Any] = {"status": target.value, "version": case.version + 1, "updated_at": now, **moved}
    if target is CaseStatus.COMPLETED:
        values["completed_at"] = now
    conn.execute(sa.update(cases).where(cases.c.case_id == case.case_id).values(**values))
    detail = {"conflict_id": conflict.id, "resolution": choice, "note": note.strip()[:500]}
    step = Step(now, actor.username, CaseEvent.RESOLVE_CONFLICT.value, case.status, target.value, detail)
    to = suspense.goes_to(case.tier, choice)
    moved_rows = case_money.move_suspense(conn, case, to, now)
    after = review.load_case(conn, case.case_id)
    outcome = ConflictNote(
        reason=reason_of(conflict), resolution=choice, resolved_at=now, refund=to == "refund"
    )
    audited = {**detail, "case_number": case.case_number, "entity": conflict.entity, "key": conflict.entity_key,
               "to": target.value, "registry_changes": len(changes), "money_to": to,
               "ledger_entries": len(moved_rows)}  # fmt: skip
    case_moves.write(
        conn,
        case_moved(case.case_id, after.station_id, [step], tell=_told(after, outcome), at=now,
                   actor=actor.username, action="conflict.resolve", detail=audited),
    )  # fmt: skip
    return get_conflict(conn, conflict.id)
