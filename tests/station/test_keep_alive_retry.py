"""A keep-alive connection the server closed does not end the station's round.

The race: the station's pool hands out an idle connection the server closed a moment
before, and the request dies with "Server disconnected without sending a response". An
idempotent request (a pull, a scan's status or chunk, a push, idempotent by op id) is signed
again and sent once more on a new connection; anything else fails as a lost link. The
server keeps idle connections far longer than the station does, so the race stays rare.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import certifi
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schema.protocol import DocumentCertificateRequest
from schema.signing import HEADER_NONCE
from station_client.sync.agent import SyncAgent
from station_client.transport import (
    KEEPALIVE_EXPIRY_SECONDS,
    ConnectionClosedError,
    Transport,
    make_client,
)
from sync_server.commands.serve import KEEP_ALIVE_SECONDS, uvicorn_config
from sync_server.settings import Settings
from tests.support.sync_world import in_process

SHA = "ab" * 32
STATUS = json.dumps({"sha256": SHA, "size": 10, "received_bytes": 0, "complete": False}).encode()


class ClosingServer:
    """A plain HTTP/1.1 server on a real socket that keeps connections alive, except that it
    closes a connection on its second request without answering: what a server whose
    keep-alive timer ran out just then does."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[dict[str, str]] = []  # headers of each request read, in order
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        with conn:
            for served in range(100):
                head = self._read_head(reader)
                if head is None:
                    return
                self.requests.append(head)
                if served == 1:
                    return  # the second request on this connection: closed, no answer
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(STATUS)}\r\n\r\n".encode()
                    + STATUS
                )

    @staticmethod
    def _read_head(reader: object) -> dict[str, str] | None:
        lines: list[str] = []
        while True:
            line = reader.readline()  # type: ignore[attr-defined]
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line.decode("latin-1").rstrip("\r\n"))
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        length = int(headers.get("content-length", "0"))
        if length:
            reader.read(length)  # type: ignore[attr-defined]
        return {"request-line": lines[0], **headers}

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[ClosingServer]:
    made = ClosingServer()
    yield made
    made.close()


@pytest.fixture
def transport(server: ClosingServer) -> Iterator[Transport]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        yield Transport(client, station_id="511102004-00", signing_key=Ed25519PrivateKey.generate())


def test_an_idempotent_request_on_a_closed_connection_is_sent_again_once(
    server: ClosingServer, transport: Transport
) -> None:
    assert transport.attachment_status(SHA, size=10, media_type="image/png").received_bytes == 0

    # the pooled connection is reused; the server drops it: the request goes again, on a new one
    again = transport.attachment_status(SHA, size=10, media_type="image/png")

    assert again.sha256 == SHA
    assert len(server.requests) == 3 and server.connections == 2
    dropped, resent = server.requests[1], server.requests[2]
    assert dropped["request-line"] == resent["request-line"]
    assert dropped[HEADER_NONCE.lower()] != resent[HEADER_NONCE.lower()]  # signed again, not replayed


def test_a_request_that_is_not_idempotent_is_not_sent_twice(
    server: ClosingServer, transport: Transport
) -> None:
    transport.attachment_status(SHA, size=10, media_type="image/png")

    with pytest.raises(ConnectionClosedError) as caught:
        transport.document_certificate(DocumentCertificateRequest.model_construct(csr="x"))

    assert caught.value.code == "network_unreachable"  # the agent treats it as a lost link
    assert len(server.requests) == 2


class DropsOnce(httpx.BaseTransport):
    """Wraps the in-process app: the request whose path starts with ``prefix`` meets a closed
    connection once (nothing reaches the server), then everything goes through."""

    def __init__(self, inner: httpx.BaseTransport, prefix: str) -> None:
        self.inner, self.prefix, self.dropped = inner, prefix, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(self.prefix) and not self.dropped:
            self.dropped += 1
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return self.inner.handle_request(request)


@pytest.mark.parametrize("path", ["/api/v1/push", "/api/v1/pull"])
def test_the_round_completes_when_a_push_or_pull_meets_a_closed_connection(
    sqlite_template: Path, tmp_path: Path, path: str
) -> None:
    with in_process(sqlite_template, tmp_path) as (world, client):
        world.take_in(world.session(), 2)
        flaky = DropsOnce(client._transport, path)
        client._transport = flaky

        report = SyncAgent(world.paths.home, world.dek, client=client).run_once()

        assert flaky.dropped == 1
        assert report.ok, report
        assert len(world.server_case_ids()) == 2


def test_the_server_keeps_idle_connections_longer_than_the_station(tmp_path: Path) -> None:
    config = uvicorn_config(Settings(data_dir=tmp_path, secret_key="x" * 48))
    assert config["timeout_keep_alive"] == KEEP_ALIVE_SECONDS
    assert KEEP_ALIVE_SECONDS > 10 * KEEPALIVE_EXPIRY_SECONDS
    client = make_client("https://127.0.0.1:8443", certifi.where())  # any CA file will do here
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry == KEEPALIVE_EXPIRY_SECONDS
    finally:
        client.close()
