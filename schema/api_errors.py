"""Error codes the server answers, with their Chinese message and HTTP status.

Every error response has the body :class:`ErrorBody` ``{code, message, detail}``. Codes
are stable; the station decides what to do from the code alone (retry, re-enrol, set an
operation aside), and shows the message to the clerk. A test keeps the three tables in
step (pydantic's way: the codes are a ``Literal``).

Two uses:

* **Request errors** answer a whole request with ``API_ERROR_STATUS[code]``.
* **Operation results**: inside a successful push, a rejected or conflicting operation
  carries one of :data:`OP_RESULT_CODES` in ``OpResult.code`` and the rest of the batch
  goes on (docs/design.md §4, poison records don't block). For those the status in the table is
  what the server would answer if the operation came alone; it is not sent in a push.

The lifecycle's codes (``case_*``) answer console actions and rejected operations alike;
their messages come from :mod:`schema.lifecycle`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from schema.lifecycle import LIFECYCLE_ERROR_MESSAGES

ApiErrorCode = Literal[
    # station authentication (signed requests)
    "auth_unsigned",
    "auth_bad_signature",
    "auth_clock_skew",
    "auth_nonce_reused",
    "station_unknown",
    "station_revoked",
    "station_not_enrolled",
    "client_outdated",
    # enrolment
    "enrol_code_invalid",
    "enrol_code_expired",
    "enrol_code_used",
    "enrol_locked",
    "document_csr_invalid",
    # push and pull, whole request
    "op_wrong_station",
    "sequence_gap",
    "body_too_large",
    "batch_too_large",
    "cursor_invalid",
    # attachments
    "attachment_too_large",
    "attachment_bad_type",
    "attachment_hash_mismatch",
    "attachment_offset_mismatch",
    # per operation (OpResult.code)
    "op_conflict",
    "op_malformed",
    "op_item_unknown",
    "op_validation_failed",
    "op_fee_mismatch",
    "op_case_unknown",
    "op_clerk_unknown",
    "op_stale_version",
    "op_staff_changed",
    "op_receipt_not_allocated",
    "op_receipt_already_voided",
    "op_close_exists",
    "op_notice_exists",
    "op_notice_refused",
    "attachment_missing",
    # case lifecycle (console actions and operations)
    "case_transition_not_allowed",
    "case_actor_not_allowed",
    "case_separation_of_duties",
    "case_not_claimed_by_actor",
    "case_terminal",
    "case_already_claimed",
    # console sessions
    "login_failed",
    "account_locked",
    "account_disabled",
    "session_expired",
    "forbidden",
    "csrf_failed",
    # generic
    "request_invalid",
    "not_found",
    "method_not_allowed",
    "rate_limited",
    "server_busy",
    "internal_error",
    # citizens' public pages
    "public_rate_limited",
]

API_ERROR_CODES: tuple[ApiErrorCode, ...] = get_args(ApiErrorCode)

API_ERROR_STATUS: dict[ApiErrorCode, int] = {
    "auth_unsigned": 401,
    "auth_bad_signature": 401,
    "auth_clock_skew": 401,
    "auth_nonce_reused": 401,
    "station_unknown": 401,
    "station_revoked": 403,
    "station_not_enrolled": 403,
    "client_outdated": 426,
    "enrol_code_invalid": 400,
    "enrol_code_expired": 400,
    "enrol_code_used": 400,
    "enrol_locked": 429,
    "document_csr_invalid": 400,
    "op_wrong_station": 400,
    "sequence_gap": 409,
    "body_too_large": 413,
    "batch_too_large": 413,
    "cursor_invalid": 400,
    "attachment_too_large": 413,
    "attachment_bad_type": 415,
    "attachment_hash_mismatch": 400,
    "attachment_offset_mismatch": 409,
    "op_conflict": 409,
    "op_malformed": 422,
    "op_item_unknown": 422,
    "op_validation_failed": 422,
    "op_fee_mismatch": 422,
    "op_case_unknown": 404,
    "op_clerk_unknown": 422,
    "op_stale_version": 409,
    "op_staff_changed": 409,
    "op_receipt_not_allocated": 422,
    "op_receipt_already_voided": 409,
    "op_close_exists": 409,
    "op_notice_exists": 409,
    "op_notice_refused": 422,
    "attachment_missing": 422,
    "case_transition_not_allowed": 409,
    "case_actor_not_allowed": 403,
    "case_separation_of_duties": 403,
    "case_not_claimed_by_actor": 409,
    "case_terminal": 409,
    "case_already_claimed": 409,
    "login_failed": 401,
    "account_locked": 423,
    "account_disabled": 403,
    "session_expired": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "request_invalid": 422,
    "not_found": 404,
    "method_not_allowed": 405,
    "rate_limited": 429,
    "server_busy": 503,
    "internal_error": 500,
    "public_rate_limited": 429,
}

API_ERROR_MESSAGES: dict[ApiErrorCode, str] = {
    "auth_unsigned": "请求未签名或缺少签名信息。请升级服务站客户端；如仍出现，请联系综合业务科。",
    "auth_bad_signature": "请求签名无效。本机的服务站密钥可能已更换，请联系综合业务科重新注册本服务站。",
    "auth_clock_skew": "本机时间与服务器相差过大。请将电脑的日期和时间校准后重试。",
    "auth_nonce_reused": "重复的请求已被拒绝。客户端将自动重试；如反复出现，请联系综合业务科。",
    "station_unknown": "服务器不认识本服务站。请使用综合业务科发放的注册码重新注册。",
    "station_revoked": "本服务站的注册已被注销（如电脑遗失）。请联系综合业务科重新注册。",
    "station_not_enrolled": "本服务站尚未完成注册。请使用注册码完成注册后再同步。",
    "client_outdated": "客户端版本过旧，服务器已不再接受。请安装最新版本后再同步，未上报的数据不会丢失。",
    "enrol_code_invalid": "注册码不正确。请核对综合业务科发放的注册码后重新输入。",
    "enrol_code_expired": "注册码已过期。请向综合业务科申请新的注册码。",
    "enrol_code_used": "注册码已被使用。每个注册码只能使用一次，请向综合业务科申请新的注册码。",
    "enrol_locked": "注册尝试次数过多，已暂时锁定。请稍后再试，或联系综合业务科。",
    "document_csr_invalid": (
        "文档签名证书申请无效（须为本站 ECDSA P-256 密钥签名的证书请求）。请升级服务站客户端后重新同步；"
        "如仍出现，请联系综合业务科。"
    ),
    "op_wrong_station": "上报的业务不属于本服务站。请联系综合业务科检查本机的服务站设置。",
    "sequence_gap": "上报的业务编号不连续，服务器缺少前面的业务。客户端将从缺少的编号起重新上报。",
    "body_too_large": "请求过大，服务器拒绝接收。客户端将减小每批数量后重试。",
    "batch_too_large": "每批上报的业务过多。客户端将减小每批数量后重试。",
    "cursor_invalid": "同步位置无效。客户端将重新下载参考数据。",
    "attachment_too_large": "附件超过大小上限。请将材料重新扫描为较小的文件（如降低分辨率或分页扫描）。",
    "attachment_bad_type": "附件类型不支持。只接受 JPEG、PNG 图片和 PDF 文件，请重新扫描。",
    "attachment_hash_mismatch": "附件内容校验失败（传输中损坏）。客户端将重新上传该附件。",
    "attachment_offset_mismatch": "附件续传位置不一致。客户端将从服务器已收到的位置继续上传。",
    "op_conflict": "同一业务编号已上报过不同的内容。该业务已暂停上报，请联系综合业务科核对。",
    "op_malformed": "该业务的数据格式服务器无法识别，已暂停上报，其余业务照常上报。请升级客户端。",
    "op_item_unknown": "服务器不认识该业务事项（事项目录可能已更新）。请同步事项目录后按新目录重新受理。",
    "op_validation_failed": "该业务未通过服务器校验，已退回本站。请按提示逐项更正后重新提交。",
    "op_fee_mismatch": "本站计算的收费金额与服务器核算不一致。请同步费率表后重新核算，核对无误后重新提交。",
    "op_case_unknown": "服务器找不到对应的案件。请先上报该案件的受理信息，或联系综合业务科核对。",
    "op_clerk_unknown": "经办柜员不是本服务站的有效账号。请联系综合业务科核对柜员账号。",
    "op_stale_version": "该业务依据的参保信息已被他人更新。已转综合业务科人工处理，请留意处理结果。",
    "op_staff_changed": (
        "本机修改的密码未生效：该柜员账号在服务器上已有变更（密码被重置或账号被停用）。"
        "请联网同步后用综合业务科发放的密码登录，再修改密码。"
    ),
    "op_receipt_not_allocated": (
        "作废的收据号码不在市局分配给本服务站的票据号段内。请联网同步后核对收据上的票据号码；"
        "如确有出入，请联系综合业务科。"
    ),
    "op_receipt_already_voided": "该票据号码在服务器上已登记作废，不能重复作废。请核对收据号码；如有疑问请联系综合业务科。",
    "op_close_exists": (
        "服务器已收到本站该日同一次的另一份日结，这份未入账。同一天的每次日结只能上报一次："
        "请联系综合业务科核对（本机是否恢复过备份），不要重复解缴现金。"
    ),
    "op_notice_exists": (
        "服务器已有同一缴费参考号的另一张缴费通知单，这张未登记。请收回这张通知单，不要让缴费人"
        "凭它缴费，并联系综合业务科核对（本机是否恢复过备份）。"
    ),
    "op_notice_refused": (
        "市局未登记这张缴费通知单（人员、事项或金额与市局计算的不一致）。请收回通知单，"
        "联网同步参保信息后重新开具；如仍不成功请联系综合业务科。"
    ),
    "attachment_missing": "该业务的附件尚未上传完成。客户端会先上传附件再重新提交，请保持网络连接。",
    "case_already_claimed": "该案件已被其他审核人员认领。请刷新队列选择其他案件，或联系科室负责人改派。",
    "login_failed": "用户名或密码不正确。请重新输入；连续多次错误将锁定账号。",
    "account_locked": "密码错误次数过多，账号已暂时锁定。请稍后再试，或联系系统管理员解锁。",
    "account_disabled": "该账号已停用。请联系综合业务科。",
    "session_expired": "登录已过期。请重新登录。",
    "forbidden": "您的角色无权进行此操作。如需权限，请联系综合业务科。",
    "csrf_failed": "页面已过期或来源不明，操作未执行。请刷新页面后重试。",
    "request_invalid": "请求内容不符合要求。请按提示更正后重试。",
    "not_found": "请求的资源不存在。请刷新后重试。",
    "method_not_allowed": "不支持该请求方式。",
    "rate_limited": "请求过于频繁。请稍后再试，客户端将自动重试。",
    "server_busy": "市社保服务器正忙（数据库暂时连不上或排队已满）。请稍等一分钟再试；服务站已办的业务保存在本机，会自动重新上报。如持续半小时以上，请联系综合业务科。",
    "internal_error": "服务器内部错误，已记录。请稍后重试；如持续出现，请联系综合业务科。",
    "public_rate_limited": (
        "查询过于频繁：为保护您的个人信息，同一网络或同一受理编号在一段时间内只能查询有限次数。"
        "请稍后再试，或持受理回执到受理服务站咨询。"
    ),
    "case_transition_not_allowed": LIFECYCLE_ERROR_MESSAGES["case_transition_not_allowed"],
    "case_actor_not_allowed": LIFECYCLE_ERROR_MESSAGES["case_actor_not_allowed"],
    "case_separation_of_duties": LIFECYCLE_ERROR_MESSAGES["case_separation_of_duties"],
    "case_not_claimed_by_actor": LIFECYCLE_ERROR_MESSAGES["case_not_claimed_by_actor"],
    "case_terminal": LIFECYCLE_ERROR_MESSAGES["case_terminal"],
}

# Codes that may appear in OpResult.code (status rejected or conflict).
OP_RESULT_CODES: frozenset[ApiErrorCode] = frozenset(
    {
        "op_conflict",
        "op_malformed",
        "op_item_unknown",
        "op_validation_failed",
        "op_fee_mismatch",
        "op_case_unknown",
        "op_clerk_unknown",
        "op_stale_version",
        "op_staff_changed",
        "op_receipt_not_allocated",
        "op_receipt_already_voided",
        "op_close_exists",
        "op_notice_exists",
        "op_notice_refused",
        "attachment_missing",
        "case_transition_not_allowed",
        "case_actor_not_allowed",
        "case_terminal",
    }
)

# Transient: the station retries the same request later, with backoff (docs/design.md §4).
RETRYABLE_CODES: frozenset[ApiErrorCode] = frozenset(
    {"rate_limited", "server_busy", "internal_error", "auth_nonce_reused"}
)


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    model_config = ConfigDict(frozen=True)

    code: str  # an ApiErrorCode; plain str so an older client still reads a newer code
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


def error_body(code: ApiErrorCode, detail: dict[str, Any] | None = None) -> ErrorBody:
    """The body for ``code`` with its standard message."""
    return ErrorBody(code=code, message=API_ERROR_MESSAGES[code], detail=dict(detail or {}))
