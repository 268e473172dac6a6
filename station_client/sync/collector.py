"""The cyclic garbage collector paused over a pulled page's burst of objects.

Reading a 5,000-person page makes some hundred thousand objects (records, tuples, strings)
and applying it as many again; none of them form cycles. Each allocation burst set off
collections that walked every live object of the process (the window's, the catalog's),
and took half the time of reading a page and a third of applying it. The pull reads and
applies a page under one pause and lets the page go before the pause ends, so resuming
the collector finds next to nothing; nothing is left uncollected either: whatever cycle a
page made is found at the next collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


class _Pauses:
    """Pauses under way (the asking thread and the applier may overlap): the collector goes
    off with the first and back on, if it was on, with the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._resume = False

    def begin(self) -> None:
        with self._lock:
            if self._count == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._count += 1

    def end(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0 and self._resume:
                gc.enable()


_pauses = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector as it was once the last block ends."""
    _pauses.begin()
    try:
        yield
    finally:
        _pauses.end()
