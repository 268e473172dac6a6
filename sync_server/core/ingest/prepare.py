"""What a push works out before its transaction: order, digests, checks, rows to load. Pure.

About 40 % of a push's work needs no database (the catalog, identifier, materials and fee
checks of every ``case_accept``, the digests), so ``services.ingest`` does it before it
takes the station's row lock: a station's next batch is checked by another worker while
the one before is still being applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schema.errors import ContractError
from schema.identifiers import parse_resident_id
from schema.protocol import CaseAcceptOp, Operation, operation_digest
from schema.vocabulary import Tier
from sync_server.core.case_rules import CheckedCase, Rejection, check_accept
from sync_server.core.clock import beijing_date
from sync_server.core.ingest.context import BatchContext, check_date, trusted_for
from sync_server.core.registry_effects import creates_or_changes, subject_field


@dataclass(frozen=True)
class Prepared:
    """A batch's operations in seq order with what needs no database: digests, op ids as
    text and the ``case_accept`` checks (by op id; see :func:`case_rules.check_accept`)."""

    ops: tuple[Operation, ...]
    digests: tuple[str, ...]
    keys: tuple[str, ...]
    checks: dict[str, CheckedCase | Rejection]


def prepare(ctx: BatchContext, ops: Sequence[Operation]) -> Prepared:
    """Everything about a batch that needs no database, done before the transaction."""
    ordered = tuple(sorted(ops, key=lambda op: op.seq))
    keys = tuple(str(op.op_id) for op in ordered)  # once: a UUID's str() is not free
    checks: dict[str, CheckedCase | Rejection] = {}
    for key, op in zip(keys, ordered, strict=True):
        if isinstance(op, CaseAcceptOp):
            today = check_date(ctx, trusted_for(ctx, op.payload.accepted_at))
            checks[key] = check_accept(op.payload, catalog=ctx.catalog, rates=ctx.rates, today=today)
    return Prepared(ordered, tuple(operation_digest(op) for op in ordered), keys, checks)


def registry_keys(ctx: BatchContext, accepts: Iterable[CaseAcceptOp]) -> tuple[set[str], set[str], set[str]]:
    """ID numbers to read, those to lock (their rows may change) and USCCs, for the batch's
    cases: what ``services.registry_updates.load`` reads into the registry slice."""
    read: set[str] = set()
    lock: set[str] = set()
    usccs: set[str] = set()
    today = beijing_date(ctx.received_at)
    for op in accepts:
        p = op.payload
        try:
            item = ctx.catalog.item(p.item_code)
        except ContractError:
            continue
        number = p.applicant.id_number  # 18 characters once the payload parsed
        fields = subject_field(item.code)
        if fields is not None:
            value = p.form.get(fields[0])
            number = _id_number(value, today) if isinstance(value, str) else None
        if p.applicant.uscc:
            usccs.add(p.applicant.uscc)
        if number is None:
            continue
        read.add(number)
        if creates_or_changes(item.code, item.changes_registry and item.tier is Tier.GENERAL):
            lock.add(number)
    return read, lock, usccs


def _id_number(raw: str, today: dt.date) -> str | None:
    try:
        return parse_resident_id(raw, today=today).number
    except ContractError:
        return None
