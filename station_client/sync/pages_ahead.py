"""Pull pages asked for ahead by one thread, so the server builds a page while the station
reads and applies the ones before it.

Each request leaves as soon as the page before it is read (its ``next_cursor`` is the
request's cursor), not when that page is applied: the server's page build then overlaps
the station's reading and writing instead of following them. Still one request at a
time, in order; at most one page waits read (and one is being asked for) while one is
applied. A failed request is handed over in its turn, where the page would have been.
"""

from __future__ import annotations

import contextlib
import queue
import threading

from schema.protocol import PullPage, PullRequest
from station_client.transport import Transport

Answer = tuple[str | None, PullPage | BaseException]  # (the cursor sent, the page or why none came)
_POLL_SECONDS = 0.1  # how soon a blocked hand-over notices it is no longer wanted


class PagesAhead:
    """The pages from ``cursor`` on, asked for by a thread of their own; :meth:`close` when done."""

    def __init__(self, transport: Transport, cursor: str | None, limit: int) -> None:
        self._transport = transport
        self._limit = limit
        self._ready: queue.Queue[Answer] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ask, args=(cursor,), name="pull-ahead", daemon=True)
        self._thread.start()

    def take(self) -> Answer:
        """The next page in order (blocks until it is read)."""
        return self._ready.get()

    def close(self) -> None:
        """Stop asking; waits for a request under way (the link's own timeouts bound it)."""
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._ready.get(timeout=_POLL_SECONDS)  # unblock a hand-over
        self._thread.join()

    def _ask(self, cursor: str | None) -> None:
        while not self._stop.is_set():
            try:
                page = self._transport.pull(PullRequest(cursor=cursor, limit=self._limit))
            except BaseException as exc:
                self._hand_over((cursor, exc))
                return
            if not self._hand_over((cursor, page)) or not (page.has_more or page.start_over):
                return
            cursor = page.next_cursor  # a start-over page has none: from the beginning

    def _hand_over(self, answer: Answer) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(answer, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


class PageSource:
    """The page after the cursor held, from the pages asked for ahead (:class:`PagesAhead`);
    asked for again from that cursor when what comes next was asked with another (a restart
    for the digest). :meth:`close` drops what was asked ahead."""

    def __init__(self, transport: Transport, limit: int) -> None:
        self._transport, self._limit = transport, limit
        self._ahead: PagesAhead | None = None

    def page_after(self, cursor: str | None) -> PullPage:
        if self._ahead is None:
            self._ahead = PagesAhead(self._transport, cursor, self._limit)
        sent, answer = self._ahead.take()
        if isinstance(answer, BaseException):
            self.close()
            raise answer
        if sent != cursor:  # asked on from another cursor: ask again from ours
            self.close()
            return self.page_after(cursor)
        if not (answer.has_more or answer.start_over):
            self.close()  # nothing was asked after it
        return answer

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
