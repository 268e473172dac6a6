"""Named points of the sync path where a fault test may kill the station process.

The sync code calls :func:`reach` at the instants where a crash is most telling (between
two of its transactions, or inside one). Nothing is armed in production, so a call is
one dictionary test. A fault test's station process arms one point with :func:`arm`
(``tests/station/sync_crash_station.py`` reads it from its environment); when the sync
passes that point for the ``times``-th time the process kills itself with SIGKILL, so no
``finally``, no atexit and no SQLite commit runs after it: exactly a power cut or a
killed process at that instant.

Points (docs/design.md §4 "Crashes"):

    push.numbered   a batch is numbered and its bytes stored; nothing of it was sent
    push.answered   the server's answer to a batch arrived; nothing of it is recorded
    push.recorded   the answer to a batch is recorded; the next batch is not chosen yet
    pull.applying   one change of a pull page is applied; the page's transaction is open
    pull.applied    a pull page and its cursor are committed; the next page not asked for

and two of the desk's (the receipt stock, ``services.receipt_stock``):

    receipt.numbered   a payment receipt took its stock number; the intake's transaction is open
    receipt.rendering  a receipt's PDF is being laid out (its payment committed long before)
"""

from __future__ import annotations

import os
import signal

POINTS = frozenset(
    {
        "push.numbered",
        "push.answered",
        "push.recorded",
        "pull.applying",
        "pull.applied",
        "receipt.numbered",
        "receipt.rendering",
    }
)

_armed: dict[str, int] = {}  # point → passes left before the kill


def arm(point: str, times: int = 1) -> None:
    """Kill this process the ``times``-th time the sync passes ``point``."""
    if point not in POINTS:
        raise ValueError(f"unknown crash point {point!r}; known: {sorted(POINTS)}")
    if times < 1:
        raise ValueError("times must be at least 1")
    _armed[point] = times


def arm_from_spec(spec: str) -> None:
    """Arm from ``"<point>"`` or ``"<point>:<times>"`` (the fault test's environment)."""
    point, _, times = spec.partition(":")
    arm(point, int(times) if times else 1)


def reach(point: str) -> None:
    """The sync is at ``point``: die here if a test armed it and its count is up."""
    if not _armed or point not in _armed:
        return
    _armed[point] -= 1
    if _armed[point] == 0:
        _die()


def _die() -> None:
    kill = getattr(signal, "SIGKILL", None)
    if kill is not None:
        os.kill(os.getpid(), kill)
    os._exit(137)  # no SIGKILL (Windows): leave at once all the same, running no clean-up
