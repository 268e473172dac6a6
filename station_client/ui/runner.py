"""Work off the Tk thread: one worker thread with its own store connection, answers by queue.

Widgets are not thread-safe, and SQLite connections are not shared across threads. So
every store access, login (scrypt), intake, PDF rendering … runs as a *job* on the
worker thread, which opens its own connection; the job's result (or exception) goes
into a :class:`queue.Queue` that the Tk thread drains every ``poll_ms`` with
``after()``, and the callback runs there. Other threads (the sync agent) hand the Tk
thread a callable with :meth:`Runner.call_soon`, through the same queue.

A callback tied to an ``owner`` widget is dropped when the widget was destroyed in
the meantime (the clerk moved on). Jobs run one at a time, in order.

Tk objects must die on the Tk thread: a ``tkinter.font.Font`` or ``PhotoImage`` whose
``__del__`` runs on another thread calls into Tcl from there and hangs. So the worker
hands every reference it got with a job back to the Tk thread before letting go, and
the app runs Python's cycle collector on the Tk thread only (:mod:`station_client.ui.app`).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import tkinter as tk
from collections.abc import Callable
from typing import Any, TypeVar

from sqlite_utils import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Database], Any]
_STOP = object()


class Runner:
    def __init__(
        self,
        root: tk.Misc,
        open_db: Callable[[], Database],
        *,
        on_error: Callable[[BaseException], None],
        poll_ms: int = 40,
    ) -> None:
        self._root = root
        self._open_db = open_db
        self._on_error = on_error
        self._poll_ms = poll_ms
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._answers: queue.Queue[Callable[[], None]] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="ui-worker", daemon=True)
        self._thread.start()
        self._after: str | None = None
        self._closed = False
        self._poll()

    # ── Tk thread ───────────────────────────────────────────────────────────────────

    def submit(
        self,
        job: Callable[[Database], T],
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        *,
        owner: tk.Misc | None = None,
    ) -> None:
        """Run ``job(db)`` on the worker; then ``done(result)`` or ``failed(exc)`` on the Tk thread."""
        with self._lock:
            self._pending += 1
        self._jobs.put((job, done, failed, owner))

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def close(self, timeout: float = 10.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self._after is not None:
            with contextlib.suppress(tk.TclError):
                self._root.after_cancel(self._after)
            self._after = None
        self._jobs.put(_STOP)
        self._thread.join(timeout)

    def _poll(self) -> None:
        self._after = None
        for _ in range(100):  # a bounded batch: the window stays responsive under a flood
            try:
                answer = self._answers.get_nowait()
            except queue.Empty:
                break
            answer()
        if not self._closed:
            self._after = self._root.after(self._poll_ms, self._poll)

    # ── any thread ──────────────────────────────────────────────────────────────────

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the Tk thread at the next poll (safe from any thread)."""
        self._answers.put(fn)

    # ── worker thread ───────────────────────────────────────────────────────────────

    def _work(self) -> None:
        db: Database | None = None
        try:
            while True:
                item = self._jobs.get()
                if item is _STOP:
                    return
                try:
                    if db is None:
                        db = self._open_db()
                    answer = self._answer(item, item[0](db), ok=True)
                except BaseException as exc:  # handed to the Tk thread, which reports it
                    answer = self._answer(item, exc, ok=False)
                # Drop this thread's references before the Tk thread can run the answer: the
                # last reference to a widget (or a Tk font or image inside one) must go on the
                # Tk thread, whose interpreter it belongs to.
                del item
                self._answers.put(answer)
                del answer
        finally:
            if db is not None:
                db.close()

    def _answer(self, item: tuple[Any, ...], value: Any, *, ok: bool) -> Callable[[], None]:
        _job, done, failed, owner = item
        callback = done if ok else (failed or self._on_error)

        def deliver() -> None:
            with self._lock:
                self._pending -= 1
            if callback is None:
                return
            if owner is not None and not _alive(owner):
                return
            callback(value)

        return deliver


def _alive(widget: tk.Misc) -> bool:
    try:
        return bool(widget.winfo_exists())
    except tk.TclError:
        return False
