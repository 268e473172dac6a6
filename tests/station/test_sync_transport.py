"""The transport alone, over httpx.MockTransport: signing, gzip, and every failure as one of ours."""

from __future__ import annotations

import email.utils
import gzip
import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema.signing import verify_request
from station_client.transport import (
    MSG_OFFLINE,
    MSG_PROTOCOL,
    MSG_TIMEOUT,
    PUSH_PATH,
    ProtocolError,
    RefusedError,
    SyncError,
    TransientError,
    Transport,
)

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
STATION = "511102004-00"
EMPTY_PUSH = {"results": [], "station_last_seq": 0}


def transport(handler, **kw) -> Transport:
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://city.test")
    return Transport(client, station_id=STATION, signing_key=KEY, **kw)


def test_a_push_is_gzip_and_signed_over_the_bytes_on_the_wire():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMPTY_PUSH)

    transport(handler).push(b'{"operations":[]}')
    (request,) = seen
    assert request.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(request.content) == b'{"operations":[]}'
    verify_request(PUBLIC, dict(request.headers), "POST", PUSH_PATH, request.content)


def test_a_pull_signs_its_query_exactly_as_sent():
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        verify_request(PUBLIC, dict(request.headers), "GET", path, b"")
        assert request.url.params["cursor"] == "s.0.12.p.MTIz"
        return httpx.Response(200, json={"changes": [], "next_cursor": "f.0.12", "has_more": False})

    from schema.protocol import PullRequest

    page = transport(handler).pull(PullRequest(cursor="s.0.12.p.MTIz", limit=50))
    assert page.next_cursor == "f.0.12"


def _raise(exc: Exception):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("handler", "kind", "code", "message"),
    [
        (_raise(httpx.ConnectError("unreachable")), TransientError, "network_unreachable", MSG_OFFLINE),
        (_raise(httpx.ReadTimeout("slow")), TransientError, "network_timeout", MSG_TIMEOUT),
        (lambda r: httpx.Response(502, text="<html>bad gateway</html>"), TransientError, "http_502", None),
        (
            lambda r: httpx.Response(200, text="<html>wifi login</html>"),
            ProtocolError,
            "response_invalid",
            MSG_PROTOCOL,
        ),
        (lambda r: httpx.Response(403, text="forbidden"), ProtocolError, "http_403", MSG_PROTOCOL),
        (
            lambda r: httpx.Response(
                403, json={"code": "station_revoked", "message": "本服务站的注册已被注销", "detail": {}}
            ),
            RefusedError,
            "station_revoked",
            "本服务站的注册已被注销",
        ),
        (
            lambda r: httpx.Response(
                500, json={"code": "internal_error", "message": "服务器内部错误", "detail": {}}
            ),
            TransientError,
            "internal_error",
            "服务器内部错误",
        ),
    ],
)
def test_every_failure_leaves_as_one_of_ours_with_a_message_for_the_clerk(handler, kind, code, message):
    with pytest.raises(SyncError) as info:
        transport(handler).push(b"{}")
    assert type(info.value) is kind and info.value.code == code
    assert info.value.message == message or (message is None and info.value.message)
    if code.startswith("network_"):  # re-raised as ours, the library's error kept as the cause
        assert isinstance(info.value.__cause__, httpx.TransportError)


def test_retry_after_is_read_from_detail_seconds_or_an_http_date():
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    body = {"code": "rate_limited", "message": "请求过于频繁", "detail": {}}
    with pytest.raises(TransientError) as dated:
        transport(lambda r: httpx.Response(429, json=body, headers={"Retry-After": later})).push(b"{}")
    assert 110 <= (dated.value.retry_after or 0) <= 121
    body["detail"] = {"retry_after_seconds": 7}
    with pytest.raises(TransientError) as counted:
        transport(lambda r: httpx.Response(429, json=body, headers={"Retry-After": "30"})).push(b"{}")
    assert counted.value.retry_after == 7


def test_clock_skew_is_learnt_from_the_refusal_and_the_request_signed_again():
    server_clock = time.time() - 7200  # the station PC is two hours fast

    def handler(request: httpx.Request) -> httpx.Response:
        stamp = int(request.headers["X-Timestamp"])
        if abs(stamp - server_clock) > 300:
            detail = {"server_time": int(server_clock), "station_time": stamp, "allowed": 300}
            return httpx.Response(
                401, json={"code": "auth_clock_skew", "message": "时间不对", "detail": detail}
            )
        return httpx.Response(200, json=EMPTY_PUSH)

    t = transport(handler)
    t.push(b"{}")
    assert -7205 < t.clock_offset < -7195


def test_a_date_header_far_from_our_clock_moves_the_offset_a_near_one_does_not():
    def answer(offset: float):
        date = email.utils.formatdate(time.time() + offset, usegmt=True)
        return lambda r: httpx.Response(200, json=EMPTY_PUSH, headers={"Date": date})

    near = transport(answer(5))
    near.push(b"{}")
    assert near.clock_offset == 0
    far = transport(answer(-900))
    far.push(b"{}")
    assert -902 <= far.clock_offset <= -898


def test_error_bodies_keep_the_servers_detail():
    detail = {"missing_seq": 41}
    body = json.dumps({"code": "sequence_gap", "message": "编号不连续", "detail": detail})
    with pytest.raises(RefusedError) as info:
        transport(lambda r: httpx.Response(409, content=body)).push(b"{}")
    assert info.value.detail == detail and info.value.status == 409
