"""A worker's own listening socket (sync_server/api/workers.py) turns Nagle's algorithm off.

asyncio sets TCP_NODELAY on an accepted connection only when the listening socket says it is
TCP (``proto`` IPPROTO_TCP, not 0). Without it every answer's last segment waited for the
client's delayed ACK: about 40 ms a request on Linux.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from sync_server.api import workers

pytestmark = pytest.mark.skipif(not workers.supported(), reason="SO_REUSEPORT workers are Linux only")


def test_the_listening_socket_is_tcp_with_nodelay_and_shares_its_port() -> None:
    first = workers.listen("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = workers.listen("127.0.0.1", port)  # another worker on the same port
    try:
        for sock in (first, second):
            assert sock.proto == socket.IPPROTO_TCP
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
    finally:
        first.close()
        second.close()


def test_a_connection_accepted_through_asyncio_has_nodelay() -> None:
    async def accepted_nodelay() -> int:
        sock = workers.listen("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted = transport.get_extra_info("socket")
                seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
            result = await asyncio.wait_for(seen, 10)
            writer.close()
            return result
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay())
