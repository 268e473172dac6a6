"""A case as the public may see it: five plain statuses, the applicant's name masked, and
the check of the last six characters of the ID number that a progress look-up asks for.

Shared by the city's public pages and the station's 核验 screen, so both say the same.
Nothing here may widen what a stranger learns: no ID number, no phone, no address,
no reviewer's note (a 退回补正 lists the missing materials by name only).
"""

from __future__ import annotations

import hmac
from enum import StrEnum

from schema.divisions import StationCode, load_divisions
from schema.errors import ContractError
from schema.lifecycle import CaseStatus
from schema.normalize import to_half_width


class PublicStatus(StrEnum):
    ACCEPTED = "accepted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    DONE = "done"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_LABELS = {
    PublicStatus.ACCEPTED: "受理",
    PublicStatus.IN_REVIEW: "审核中",
    PublicStatus.RETURNED: "退回补正",
    PublicStatus.DONE: "办结",
    PublicStatus.REJECTED: "不予核准",
    PublicStatus.WITHDRAWN: "已撤回",
}
_EXPLANATIONS = {
    PublicStatus.ACCEPTED: "申请已受理，正在等待市社保局业务科室审核。",
    PublicStatus.IN_REVIEW: "业务科室正在审核您的申请。",
    PublicStatus.RETURNED: "申请需要补正材料：请带齐下列材料和受理回执到受理服务站办理补正。",
    PublicStatus.DONE: "业务已办结。请持受理回执和身份证件到受理服务站领取结果。",
    PublicStatus.REJECTED: "申请未获核准。请持受理回执到受理服务站了解原因和后续办法。",
    PublicStatus.WITHDRAWN: "申请已撤回。如需继续办理，请到服务站重新申请。",
}

# A data conflict or a re-route is the city's internal business: the applicant waits either way.
_FROM_CASE = {
    CaseStatus.DRAFT: PublicStatus.ACCEPTED,
    CaseStatus.ACCEPTED: PublicStatus.ACCEPTED,
    CaseStatus.SUPPLEMENTED: PublicStatus.ACCEPTED,
    CaseStatus.SUBMITTED: PublicStatus.ACCEPTED,
    CaseStatus.ROUTED: PublicStatus.ACCEPTED,
    CaseStatus.CLAIMED: PublicStatus.IN_REVIEW,
    CaseStatus.CONFLICT: PublicStatus.IN_REVIEW,
    CaseStatus.COMPLETED: PublicStatus.DONE,
    CaseStatus.APPROVED: PublicStatus.DONE,
    CaseStatus.REJECTED: PublicStatus.REJECTED,
    CaseStatus.RETURNED: PublicStatus.RETURNED,
    CaseStatus.WITHDRAWN: PublicStatus.WITHDRAWN,
}


def public_status(status: CaseStatus | str) -> PublicStatus:
    return _FROM_CASE[CaseStatus(status)]


def mask_name(name: str) -> str:
    """``罗小东`` → ``罗*东``, ``王芳`` → ``王*``, ``欧阳建国`` → ``欧**国``; a unit's name alike."""
    text = name.strip()
    if len(text) <= 1:
        return "*"
    if len(text) == 2:
        return f"{text[0]}*"
    return f"{text[0]}{'*' * (len(text) - 2)}{text[-1]}"


def station_title(station_id: str) -> str:
    """``乐山市市中区大佛街道社保所`` or ``…大佛街道第03社区服务点``; the code itself when unknown."""
    try:
        code = StationCode.parse(station_id)
        place = load_divisions().full_name(code.township_code)
    except ContractError:
        return station_id
    return f"{place}社保所" if code.is_township_station else f"{place}第{code.point:02d}社区服务点"


ID_TAIL_LENGTH = 6


def normalise_id_tail(text: str) -> str:
    """What the citizen typed, as compared: half-width, no spaces, ``x`` as ``X``."""
    return "".join(to_half_width(text).split()).upper()


def id_tail_matches(id_number: str, typed: str) -> bool:
    """True when ``typed`` is the last six characters of ``id_number`` (constant time)."""
    tail = normalise_id_tail(typed)
    expected = id_number.strip().upper()[-ID_TAIL_LENGTH:]
    if len(tail) != ID_TAIL_LENGTH or len(expected) != ID_TAIL_LENGTH:
        return False
    return hmac.compare_digest(tail.encode("utf-8"), expected.encode("utf-8"))
