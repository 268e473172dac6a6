"""The only module that talks HTTP: signed, gzip-compressed requests to the city server.

Everything httpx (or ssl) can raise is caught here and re-raised as one of ours, so the
sync agent decides what to do from our classes and codes alone::

    SyncError                 a sync request did not do its work (code, message for the clerk)
    ├── TransientError        try again later: network down, timeout, connection cut, 5xx,
    │   │                     429 and other RETRYABLE_CODES (retry_after when the server said)
    │   └── ConnectionClosedError  the connection broke under the request (a stale keep-alive
    │                         connection): idempotent requests are sent again once at once
    ├── RefusedError          the server answered a coded 4xx refusal: auth_*, station_revoked,
    │                         sequence_gap, cursor_invalid, batch_too_large … (code, detail)
    ├── UntrustedServerError  the server's certificate is not from the pinned city CA
    └── ProtocolError         the answer does not follow the contract (not JSON, wrong shape)

The pinned CA goes in as an ``ssl.SSLContext`` (``verify="path"`` is deprecated in httpx
0.28 and warns). Any ``httpx.Client`` works, so tests hand in Starlette's ``TestClient``,
which runs the server app in process.

Clocks: the station signs with its clock corrected by ``clock_offset``. The offset is
learnt from an ``auth_clock_skew`` refusal (which carries the server's time; the request
is then signed again and resent once) and from a response's ``Date`` header when it is
far off; the caller stores ``Transport.clock_offset`` after its round (a transport may be
used from a helper thread, which must not touch the store). ``PushBatch.sent_at``
stays on the station's own, uncorrected clock: the server measures the offline gap on it.
"""

from __future__ import annotations

import email.utils
import gzip
import ssl
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from schema.api_errors import RETRYABLE_CODES
from schema.protocol import (
    NEXT_CURSOR_HEADER,
    AttachmentStatus,
    DocumentCertificate,
    DocumentCertificateRequest,
    EnrolRequest,
    EnrolResponse,
    PullPage,
    PullRequest,
    PushResponse,
)
from schema.signing import sign_request
from station_client.sync.collector import collector_paused
from station_client.sync.pulled_page import PulledPage

API = "/api/v1"
PUSH_PATH = f"{API}/push"
PULL_PATH = f"{API}/pull"
ENROL_PATH = f"{API}/enrol"
ATTACHMENT_PATH = f"{API}/attachments"  # /{sha256}: GET status, PUT a chunk at ?offset=
DOCUMENT_CERTIFICATE_PATH = f"{API}/document-certificate"

# A Date header this far from our corrected clock resets the offset: it has one-second
# resolution and rides on network latency, so small differences are noise.
DATE_HEADER_TOLERANCE_SECONDS = 30
GZIP_LEVEL = 6
# An idle connection is closed by us after this long, well before the server would close it
# (sync-server serve --keep-alive, 75 s by default): a request then never meets a connection
# the server closed a moment before (that one is still retried once when idempotent).
KEEPALIVE_EXPIRY_SECONDS = 5.0

MSG_OFFLINE = "无法连接市社保服务器，请检查网络；恢复后会自动重试。"
MSG_TIMEOUT = "连接市社保服务器超时，网络可能较慢；稍后会自动重试。"
MSG_SERVER_BUSY = "市社保服务器暂时无法处理，稍后会自动重试。"
MSG_UNTRUSTED = "市社保服务器的证书与本站保存的根证书不符，已停止连接以保护数据。请联系综合业务科核实。"
MSG_PROTOCOL = (
    "服务器的应答无法识别（网络可能被拦截，或客户端版本不符）；稍后会自动重试，如持续出现请联系综合业务科。"
)

M = TypeVar("M", bound=BaseModel)


class SyncError(Exception):
    """A sync request did not do its work; ``message`` is for the clerk, in Chinese."""

    def __init__(self, code: str, message: str, detail: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})


class TransientError(SyncError):
    """Worth retrying unchanged, after ``retry_after`` seconds when the server named a time."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: Mapping[str, Any] | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, message, detail)
        self.retry_after = retry_after


class RefusedError(SyncError):
    """The server refused the request with a coded error; ``status`` is the HTTP status."""

    def __init__(
        self, code: str, message: str, detail: Mapping[str, Any] | None = None, *, status: int
    ) -> None:
        super().__init__(code, message, detail)
        self.status = status


class UntrustedServerError(SyncError):
    """TLS verification against the pinned city CA failed: we refuse to talk."""


class ProtocolError(SyncError):
    """The answer does not follow the contract."""


class ConnectionClosedError(TransientError):
    """The connection broke before an answer came: most often a keep-alive connection the
    server had just closed, which the pool handed out again. Same code as any lost link."""


def pinned_context(ca_file: Path | str) -> ssl.SSLContext:
    """An SSL context that trusts only the city CA (never the system's store)."""
    return ssl.create_default_context(cafile=str(ca_file))


def make_client(server_url: str, ca_file: Path | str, *, timeout: float = 30.0) -> httpx.Client:
    """An HTTPS client for the city server with the CA pinned. The caller closes it."""
    return httpx.Client(
        base_url=server_url,
        verify=pinned_context(ca_file),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": "leshan-station-client/1"},
        limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS),
    )


def _retry_after(response: httpx.Response, detail: Mapping[str, Any]) -> float | None:
    seconds = detail.get("retry_after_seconds")
    if isinstance(seconds, int | float) and seconds >= 0:
        return float(seconds)
    header = response.headers.get("Retry-After")
    if header is None:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:  # the HTTP-date form
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_certificate_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def error_from_response(response: httpx.Response) -> SyncError:
    """Our exception for a non-2xx answer, from its ``{code, message, detail}`` body."""
    status = response.status_code
    try:
        body = response.json()
        code, message, detail = str(body["code"]), str(body["message"]), dict(body.get("detail") or {})
    except (ValueError, KeyError, TypeError):
        if status >= 500 or status == 429:
            return TransientError(f"http_{status}", MSG_SERVER_BUSY, retry_after=_retry_after(response, {}))
        return ProtocolError(f"http_{status}", MSG_PROTOCOL, {"status": status})
    if status >= 500 or status == 429 or code in RETRYABLE_CODES:
        retry_after = _retry_after(response, detail)
        return TransientError(code, message, detail, retry_after=retry_after)
    return RefusedError(code, message, detail, status=status)


class Transport:
    """Signed requests for one station over one ``httpx.Client`` (one request at a time)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        station_id: str,
        signing_key: Ed25519PrivateKey,
        clock_offset: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.station_id = station_id
        self._key = signing_key
        self.clock_offset = clock_offset
        self._clock = clock

    # ── the operations of the protocol ────────────────────────────────────────────────

    def push(self, batch_json: bytes) -> PushResponse:
        """Send a ``PushBatch`` already serialised (the outbox's exact operation bytes).
        Idempotent: the server answers a batch it already applied with the original results."""
        response = self._signed("POST", PUSH_PATH, body=batch_json, compress=True, idempotent=True)
        return _parse(response, PushResponse)

    def pull(self, request: PullRequest) -> PullPage:
        return read_pull_page(self.pull_response(request))

    def pull_response(self, request: PullRequest) -> httpx.Response:
        """The page as received, not yet read (:func:`read_pull_page`, :func:`next_cursor_of`)."""
        params: dict[str, str | int] = {"limit": request.limit}
        if request.cursor is not None:
            params["cursor"] = request.cursor
        return self._signed("GET", PULL_PATH, params=params, idempotent=True)

    def attachment_status(self, sha256: str, *, size: int, media_type: str) -> AttachmentStatus:
        """How many bytes of the attachment the server holds (it starts one if none)."""
        params: dict[str, str | int] = {"size": size, "media_type": media_type}
        response = self._signed("GET", f"{ATTACHMENT_PATH}/{sha256}", params=params, idempotent=True)
        return _parse(response, AttachmentStatus)

    def upload_chunk(
        self, sha256: str, *, offset: int, data: bytes, size: int, media_type: str
    ) -> AttachmentStatus:
        params: dict[str, str | int] = {"offset": offset, "size": size, "media_type": media_type}
        response = self._signed(
            "PUT",
            f"{ATTACHMENT_PATH}/{sha256}",
            params=params,
            body=data,
            content_type="application/octet-stream",
            idempotent=True,  # a chunk at an offset: sent twice, the server says where it is
        )
        return _parse(response, AttachmentStatus)

    def document_certificate(self, request: DocumentCertificateRequest) -> DocumentCertificate:
        """The station's document-signing certificate for the key in the CSR (PDF receipts)."""
        response = self._signed("POST", DOCUMENT_CERTIFICATE_PATH, body=request.model_dump_json().encode())
        return _parse(response, DocumentCertificate)

    # ── signing, sending, classifying ───────────────────────────────────────────────

    def now(self) -> float:
        """The station clock corrected towards the server's."""
        return self._clock() + self.clock_offset

    def _signed(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: bytes = b"",
        compress: bool = False,
        content_type: str = "application/json",
        idempotent: bool = False,
    ) -> httpx.Response:
        """Sign and send; signed again and resent once after a clock-skew refusal, and once
        (when ``idempotent``) after a connection that closed before answering."""
        url = httpx.URL(path, params=dict(params or {}))
        path_with_query = url.raw_path.decode("ascii")
        wire = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if compress else body
        headers = {"Content-Type": content_type} if body else {}
        if compress:
            headers["Content-Encoding"] = "gzip"
        skew_retried = closed_retried = False
        while True:
            signed = sign_request(  # a fresh nonce each time: a resend is a new request
                self._key, method, path_with_query, wire, self.station_id, timestamp=int(self.now())
            )
            try:
                response = self._send(method, path_with_query, wire, {**headers, **signed})
            except ConnectionClosedError:
                if not idempotent or closed_retried:
                    raise
                closed_retried = True  # httpx dropped the dead connection: the resend opens a new one
                continue
            if response.is_success:
                return response
            error = error_from_response(response)
            if not skew_retried and error.code == "auth_clock_skew" and self._learn_skew(error.detail):
                skew_retried = True
                continue  # signed again with the server's time
            raise error

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        response = _request(self.client, method, url, body, headers)
        self._learn_date(response.headers.get("Date"))
        return response

    def _learn_skew(self, detail: Mapping[str, Any]) -> bool:
        server_time = detail.get("server_time")
        if not isinstance(server_time, int | float):
            return False
        self.clock_offset = float(server_time) - self._clock()
        return True

    def _learn_date(self, header: str | None) -> None:
        if not header:
            return
        try:
            server_time = email.utils.parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError):
            return
        if abs(server_time - self.now()) > DATE_HEADER_TOLERANCE_SECONDS:
            self.clock_offset = round(server_time - self._clock())


def _request(
    client: httpx.Client, method: str, url: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """One request; every library failure leaves as one of ours."""
    try:
        return client.request(method, url, content=body or None, headers=headers)
    except httpx.TimeoutException as exc:
        raise TransientError("network_timeout", MSG_TIMEOUT, {"error": type(exc).__name__}) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        # The link was there but broke under the request ("Server disconnected without sending
        # a response", connection reset): what a stale keep-alive connection looks like.
        if _is_certificate_failure(exc):
            raise UntrustedServerError("server_untrusted", MSG_UNTRUSTED, {"error": str(exc)}) from exc
        raise ConnectionClosedError(
            "network_unreachable", MSG_OFFLINE, {"error": type(exc).__name__}
        ) from exc
    except httpx.TransportError as exc:  # connect, read, write, protocol, proxy errors
        if _is_certificate_failure(exc):
            raise UntrustedServerError("server_untrusted", MSG_UNTRUSTED, {"error": str(exc)}) from exc
        raise TransientError("network_unreachable", MSG_OFFLINE, {"error": type(exc).__name__}) from exc
    except ssl.SSLError as exc:
        raise UntrustedServerError("server_untrusted", MSG_UNTRUSTED, {"error": str(exc)}) from exc
    except OSError as exc:
        raise TransientError("network_unreachable", MSG_OFFLINE, {"error": type(exc).__name__}) from exc


def enrol(client: httpx.Client, request: EnrolRequest) -> EnrolResponse:
    """Enrol with a one-time code (unsigned: the key is not bound yet)."""
    body = request.model_dump_json().encode()
    response = _request(client, "POST", ENROL_PATH, body, {"Content-Type": "application/json"})
    if not response.is_success:
        raise error_from_response(response)
    return _parse(response, EnrolResponse)


def read_pull_page(response: httpx.Response) -> PullPage:
    """A pull response's page (``response_invalid`` when it is not one)."""
    with collector_paused():  # sync.collector says why
        return _parse(response, PulledPage)  # persons read as records in the one pass


def next_cursor_of(response: httpx.Response) -> str | None:
    """The cursor a pull response says comes next before its body is read (None: the
    server did not say; read the page). Only a well-formed cursor is taken."""
    value = response.headers.get(NEXT_CURSOR_HEADER)
    if value is None:
        return None
    try:
        return PullRequest(cursor=value).cursor
    except ValidationError:
        return None


def _parse(response: httpx.Response, model: type[M]) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise ProtocolError("response_invalid", MSG_PROTOCOL, {"model": model.__name__}) from exc


__all__ = [
    "ConnectionClosedError",
    "ProtocolError",
    "RefusedError",
    "SyncError",
    "TransientError",
    "Transport",
    "UntrustedServerError",
    "enrol",
    "make_client",
    "next_cursor_of",
    "pinned_context",
    "read_pull_page",
]
