"""What each API route can answer besides success, for ``/openapi.json``.

Every refusal has the body :class:`ErrorBody` (``{code, message, detail}``, ``detail`` an
object), whatever raised it: a service's ``ApiError``, request validation, the body-size
middleware or the router (404, 405). The tables below are what a route passes as
``responses=``; ``tests/server/test_openapi_contract.py`` and the Schemathesis run keep
them true (a status a route answers but does not list fails there).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schema.api_errors import API_ERROR_STATUS


class ErrorBody(BaseModel):
    """The JSON body of every error the API answers."""

    model_config = ConfigDict(
        title="ErrorBody",
        json_schema_extra={
            "examples": [
                {
                    "code": "auth_clock_skew",
                    "message": "本机时间与服务器相差过大。请将电脑的日期和时间校准后重试。",
                    "detail": {"server_time": 1767225600},
                }
            ]
        },
    )

    code: str = Field(description="稳定的错误代码（见 schema/api_errors.py），客户端据此决定如何处理")
    message: str = Field(description="给用户看的中文说明：哪里不对、下一步怎么做")
    detail: dict[str, Any] = Field(description="与该错误有关的细节（对象，可为空）")


_WHAT = {
    400: "请求无法读取（不是 JSON、压缩损坏、参数不合规则等）",
    401: "未签名、签名无效、时间偏差过大、重复的请求，或服务站未知",
    403: "服务站已注销或尚未完成注册",
    404: "没有该资源",
    409: "与服务器现有状态冲突（业务编号不连续、附件续传位置不一致）",
    413: "请求或附件过大",
    415: "附件类型不支持",
    422: "请求内容未通过校验",
    429: "请求过于频繁（带 Retry-After）",
    500: "服务器内部错误（已记录，不含堆栈）",
    503: "数据库不可用或未迁移到最新版本",
}


def _codes_for(status: int) -> list[str]:
    return sorted(code for code, answer in API_ERROR_STATUS.items() if answer == status)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may answer these statuses with an ``ErrorBody``."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        codes = _codes_for(status)
        named = f"（错误代码之一：{', '.join(codes)}）" if codes else ""
        out[status] = {"model": ErrorBody, "description": f"{_WHAT[status]}{named}"}
    return out


# Any route: the body-size middleware (413) and an unexpected failure (500).
ANY = (413, 500)
# Routes behind ``signed_station``: the signature checks, the station's state, its rate limit.
SIGNED = (*ANY, 400, 401, 403, 422, 429)

ENROL = errors(*ANY, 400, 422, 429)
PUSH = errors(*SIGNED, 409)
PULL = errors(*SIGNED)
ATTACHMENT_STATUS = errors(*SIGNED, 404, 415)
ATTACHMENT_PUT = errors(*SIGNED, 404, 409, 415)
DOCUMENT_CERTIFICATE = errors(*SIGNED)
HEALTH = errors(*ANY)
READY = errors(*ANY, 503)
