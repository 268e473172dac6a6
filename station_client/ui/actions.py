"""What several screens do the same way, without knowing each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlite_utils import Database

from station_client.ui.screen import Screen

if TYPE_CHECKING:
    from station_client.services.resend import ResendResult
    from station_client.services.set_aside import OpView


def resend_as_is(screen: Screen, op: OpView, *, then: Callable[[], None]) -> None:
    """Queue a set-aside operation again unchanged (off the UI thread), say so, then ``then``."""
    session, clock = screen.clerk, screen.app.clock

    def job(_db: Database) -> ResendResult:
        from station_client.services.resend import resend

        return resend(session, op.local_id, now=clock())

    def done(result: ResendResult) -> None:
        screen.banner.show(f"已重新排队上报（{result.case_number}）。", "success")
        screen.app.cases_changed()
        then()

    screen.run(job, done)
