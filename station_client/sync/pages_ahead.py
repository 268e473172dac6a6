"""Pull pages asked for ahead by one thread, so the server builds a page while the station
reads and applies the one before it.

A page with more after it names its next cursor in a response header
(``schema.protocol.NEXT_CURSOR_HEADER``): the thread asks for the next page as soon as a
page has arrived, and the page is read (parsed and validated) by whoever applies it. The
server's page build then overlaps all of the station's work on the page before. (Reading
in the asking thread, or in a third, measured slower: pydantic holds the GIL for a whole
page, and the applier waited for it.) A page without the header (the last page, a
start-over, a server that does not send it) is read by the thread to learn what comes next.
Still one request at a time, in order; at most one page waits while one is applied. A
failed request is handed over in its turn, where the page would have been.
"""

from __future__ import annotations

import contextlib
import queue
import threading

import httpx

from schema.protocol import PullPage, PullRequest
from station_client.transport import Transport, next_cursor_of, read_pull_page

# (the cursor sent, the page, the page as received and not yet read, or why none came)
Answer = tuple[str | None, PullPage | httpx.Response | BaseException]
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

    def take(self) -> tuple[str | None, PullPage]:
        """The next page in order, read (blocks until it has arrived); raises why it did not come."""
        sent, answer = self._ready.get()
        if isinstance(answer, BaseException):
            raise answer
        return sent, answer if isinstance(answer, PullPage) else read_pull_page(answer)

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
                response = self._transport.pull_response(PullRequest(cursor=cursor, limit=self._limit))
                after = next_cursor_of(response)
                if after is not None:  # more to come, and the server said from where: ask on now
                    if not self._hand_over((cursor, response)):
                        return
                    cursor = after
                    continue
                page = read_pull_page(response)
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
    for the digest, or a page whose body names another cursor than its header did).
    :meth:`close` drops what was asked ahead."""

    def __init__(self, transport: Transport, limit: int) -> None:
        self._transport, self._limit = transport, limit
        self._ahead: PagesAhead | None = None

    def page_after(self, cursor: str | None) -> PullPage:
        if self._ahead is None:
            self._ahead = PagesAhead(self._transport, cursor, self._limit)
        try:
            sent, page = self._ahead.take()
        except BaseException:
            self.close()
            raise
        if sent != cursor:  # asked on from another cursor: ask again from ours
            self.close()
            return self.page_after(cursor)
        if not (page.has_more or page.start_over):
            self.close()  # nothing was asked after it
        return page

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
