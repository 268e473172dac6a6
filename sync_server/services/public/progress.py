"""办理进度查询: a citizen gives the 受理编号 and the last six characters of the ID number.

No existence oracle: an unknown number and a known number with the wrong six characters
get the same answer (:data:`NOT_MATCHED`) after the same work (one query by number, one
constant-time comparison, one audit entry). Each look-up first counts against two limits
kept in the database (``limits``): per client address and per case number (counted for
unknown numbers too, so the limit says nothing either). A refusal is ApiError
``public_rate_limited`` (429, ``Retry-After``); its counts are committed in their own
transaction so a refused client cannot reset them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from schema.cases import CaseNumberError, case_number, parse_case_number
from schema.public_case import ID_TAIL_LENGTH, id_tail_matches, normalise_id_tail
from sync_server.db.engine import Database
from sync_server.services import audit
from sync_server.services.public import case_view, limits
from sync_server.services.public.case_view import PublicCase
from sync_server.services.public.limits import Limit

NOT_MATCHED = "没有查到与该受理编号和证件号码后6位相符的业务。请核对受理回执上的编号和您的证件号码后重试；如仍查不到，业务可能尚未上报到市局，请稍后再查或咨询受理服务站。"
NUMBER_INVALID = "受理编号格式不对：应为回执上的“服务站编码-日期-序号”，如 511102004-00-20261126-0007。"
TAIL_INVALID = f"请输入身份证号码（或统一社会信用代码）的最后 {ID_TAIL_LENGTH} 位，末位是 X 的请输入 X。"
_DUMMY_KEY = "0" * 18  # compared when there is no case, so both paths do the same work


@dataclass(frozen=True, slots=True)
class ProgressLimits:
    per_client: Limit
    per_case: Limit


@dataclass(frozen=True, slots=True)
class ProgressAnswer:
    case: PublicCase | None
    problem: str | None = None  # without a case: NOT_MATCHED, or what to correct in the input


def look_up(
    db: Database, number: str, id_tail: str, *, client: str, now: dt.datetime, policy: ProgressLimits
) -> ProgressAnswer:
    """The case numbered ``number`` when ``id_tail`` ends its applicant's ID number."""
    try:
        parts = parse_case_number(number)
        canonical: str | None = case_number(parts.station_code, parts.day, parts.counter, tier=parts.tier)
    except CaseNumberError:
        canonical = None
    tail = normalise_id_tail(id_tail)
    with db.write() as conn:
        counts = [(limits.hit(conn, f"progress:client:{client}", now, policy.per_client), policy.per_client)]
        if canonical is not None:
            counts.append(
                (limits.hit(conn, f"progress:case:{canonical}", now, policy.per_case), policy.per_case)
            )
        over = [(c, limit) for c, limit in counts if c.over(limit)]
        refusal = limits.refusal(max(c.retry_after(limit, now) for c, limit in over)) if over else None
        if over and any(c.hits == limit.count + 1 for c, limit in over):  # audited once per window
            audit.append(
                conn,
                actor=f"public:{client}"[:64],
                action="public.progress_refused",
                entity="case",
                entity_id=(canonical or "-")[:64],
                detail={"hits": [c.hits for c, _ in counts]},
                at=now,
            )
    if refusal is not None:
        raise refusal
    if canonical is None:
        return ProgressAnswer(None, NUMBER_INVALID)
    if len(tail) != ID_TAIL_LENGTH:
        return ProgressAnswer(None, TAIL_INVALID)
    with db.write() as conn:
        found = case_view.find(conn, canonical)
        view, key = found if found is not None else (None, _DUMMY_KEY)
        matched = id_tail_matches(key, tail) and view is not None
        audit.append(
            conn,
            actor=f"public:{client}"[:64],
            action="public.progress",
            entity="case",
            entity_id=canonical,
            detail={"matched": matched},
            at=now,
        )
    return ProgressAnswer(view) if matched else ProgressAnswer(None, NOT_MATCHED)
