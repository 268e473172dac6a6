"""Pull pages asked ahead (``sync.pages_ahead``): the next page is asked for from the
response header's cursor before the page is read, pages still come in order, and the
page's body stays the authority."""

from __future__ import annotations

import threading
from typing import cast

import httpx
import pytest

from schema.protocol import NEXT_CURSOR_HEADER, Change, ChangeKind, PullPage, PullRequest
from station_client.sync import pages_ahead
from station_client.sync.pages_ahead import PageSource
from station_client.transport import ProtocolError, Transport


def _page(n: int, *, more: bool, next_cursor: str | None) -> PullPage:
    change = Change(kind=ChangeKind.CASE_STATUS, key=f"case-{n}", version=1, data={"n": n})
    return PullPage(changes=(change,), next_cursor=next_cursor, has_more=more)


class FakeServer:
    """Serves pages by cursor; logs each request; can leave out the header or lie in it."""

    def __init__(self, pages: int, *, header: bool = True, header_says: dict[str, str] | None = None) -> None:
        self.asked: list[str | None] = []
        self.header = header
        self.header_says = header_says or {}
        self.bodies: dict[str | None, bytes] = {}
        self.next: dict[str | None, str | None] = {}
        cursor: str | None = None
        for n in range(pages):
            more = n < pages - 1
            after = f"c{n + 1}"
            self.bodies[cursor] = _page(n, more=more, next_cursor=after).model_dump_json().encode()
            self.next[cursor] = after if more else None
            cursor = after
        self.second_asked = threading.Event()

    def pull_response(self, request: PullRequest) -> httpx.Response:
        self.asked.append(request.cursor)
        if len(self.asked) >= 2:
            self.second_asked.set()
        headers = {}
        after = self.next[request.cursor]
        if self.header and after is not None:
            headers[NEXT_CURSOR_HEADER] = self.header_says.get(after, after)
        return httpx.Response(200, content=self.bodies[request.cursor], headers=headers)


def _all_pages(server: FakeServer) -> list[str]:
    source = PageSource(cast(Transport, server), 100)
    keys, cursor = [], None
    try:
        while True:
            page = source.page_after(cursor)
            keys += [c.key for c in page.changes]
            cursor = page.next_cursor
            if not page.has_more:
                return keys
    finally:
        source.close()


def test_the_next_page_is_asked_for_before_this_one_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeServer(3)
    original = pages_ahead.read_pull_page
    read_first_after_second_asked: list[bool] = []

    def read(response: httpx.Response) -> PullPage:
        if not read_first_after_second_asked:
            # reading the first page waits for the second request: asking on must not wait for it
            read_first_after_second_asked.append(server.second_asked.wait(5))
        return original(response)

    monkeypatch.setattr(pages_ahead, "read_pull_page", read)
    source = PageSource(cast(Transport, server), 100)
    try:
        first = source.page_after(None)
        assert [c.key for c in first.changes] == ["case-0"]
        second = source.page_after(first.next_cursor)
        third = source.page_after(second.next_cursor)
        assert [c.key for c in third.changes] == ["case-2"] and not third.has_more
    finally:
        source.close()
    assert read_first_after_second_asked == [True]
    assert server.asked == [None, "c1", "c2"]


def test_pages_come_in_order_from_a_server_that_sends_no_header() -> None:
    server = FakeServer(4, header=False)
    assert _all_pages(server) == ["case-0", "case-1", "case-2", "case-3"]
    assert server.asked == [None, "c1", "c2", "c3"]


def test_a_header_that_disagrees_with_its_body_costs_a_request_not_a_page() -> None:
    # the first page's header names a cursor the body does not: the page asked with it is
    # dropped and the body's cursor asked for again
    server = FakeServer(3, header_says={"c1": "c2"})
    assert _all_pages(server) == ["case-0", "case-1", "case-2"]
    assert server.asked[:2] == [None, "c2"] and "c1" in server.asked


def test_a_malformed_header_is_ignored() -> None:
    server = FakeServer(3, header_says={"c1": "not a cursor!"})
    assert _all_pages(server) == ["case-0", "case-1", "case-2"]
    assert server.asked == [None, "c1", "c2"]


def test_an_unreadable_page_fails_in_its_turn() -> None:
    server = FakeServer(3)
    server.bodies["c1"] = b'{"changes": "not a page"}'
    source = PageSource(cast(Transport, server), 100)
    try:
        first = source.page_after(None)
        with pytest.raises(ProtocolError) as raised:
            source.page_after(first.next_cursor)
        assert raised.value.code == "response_invalid"
    finally:
        source.close()
