"""首页: start serving the next applicant (an ID-card reader types straight into the field),
today's figures, and the way to the lists that need the clerk; cases the city sent to
综合业务科 (数据冲突待处理) are listed with what to tell the applicant."""

from __future__ import annotations

import tkinter as tk
from functools import partial
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from station_client.ui import events, theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels.workbench import PROBLEMS, Tile, tiles, today_line
from station_client.ui.widgets import button, label

if TYPE_CHECKING:
    from station_client.ui.navigation import App

CONFLICTS_SHOWN = 3  # the rest are on 同步问题


class WorkbenchScreen(Screen):
    title = "首页"
    hint = "刷身份证或输入号码后回车开始办理；F3 本站业务，F4 同步问题，F6 催缴名单，F7 核验，F8 日结"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.content.grid_columnconfigure(0, weight=1)
        start = ctk.CTkFrame(self.content, fg_color=theme.PANEL, corner_radius=10)
        start.grid(row=0, column=0, sticky="ew")
        self.today = label(start, today_line(app.clock()), bold=True)
        self.today.grid(row=0, column=0, columnspan=3, sticky="w", padx=16, pady=(12, 4))
        label(start, "办理业务：请将身份证放到读卡器上，或输入公民身份号码、统一社会信用代码或姓名").grid(
            row=1, column=0, columnspan=3, sticky="w", padx=16
        )
        self.query = entry(start, width=520, placeholder="身份证号码 / 统一社会信用代码 / 姓名")
        self.query.grid(row=2, column=0, sticky="w", padx=16, pady=(6, 14))
        button(start, "开始办理", self.on_enter, width=160).grid(row=2, column=1, sticky="w", pady=(6, 14))
        grid = ctk.CTkFrame(self.content, fg_color="transparent")
        grid.grid(row=1, column=0, sticky="ew", pady=(14, 0))
        self.tile_buttons: dict[str, ctk.CTkButton] = {}
        for n in range(4):
            grid.grid_columnconfigure(n, weight=1, uniform="tile")
        for index, spec in enumerate(tiles(_zero())):
            tile = button(grid, spec.text, partial(self._open_tile, spec.key), kind="secondary", height=104)
            tile.configure(font=theme.font(22, "bold"))
            tile.grid(row=index // 4, column=index % 4, sticky="ew", padx=6, pady=6)
            self.tile_buttons[spec.key] = tile
        self.tiles: dict[str, Tile] = {t.key: t for t in tiles(_zero())}
        more = ctk.CTkFrame(self.content, fg_color="transparent")
        more.grid(row=2, column=0, sticky="w", pady=(10, 0))
        button(more, "本站业务 (F3)", self.nav.open_cases, kind="secondary", width=180).grid(
            row=0, column=0, padx=(6, 8)
        )
        button(more, "同步问题 (F4)", self.nav.open_problems, kind="secondary", width=180).grid(
            row=0, column=1, padx=8
        )
        button(more, "催缴名单 (F6)", self.nav.open_dues, kind="secondary", width=180).grid(
            row=0, column=2, padx=8
        )
        button(more, "核验 (F7)", self.nav.open_verify, kind="secondary", width=180).grid(
            row=0, column=3, padx=8
        )
        button(more, "日结 (F8)", self.nav.open_daily_close, kind="secondary", width=180).grid(
            row=0, column=4, padx=8
        )
        self.conflict_panel = ctk.CTkFrame(self.content, fg_color=theme.WARNING_BG, corner_radius=8)
        self.conflict_panel.grid_columnconfigure(0, weight=1)
        self.conflict_text = label(self.conflict_panel, "", wrap=1250, size=theme.SMALL)
        self.conflict_text.grid(row=0, column=0, sticky="w", padx=12, pady=8)
        self._loading = False
        app.bus.listen(self, events.CASES_CHANGED, self._reload)
        app.bus.listen(self, events.SYNC_STATUS, self._reload)

    def on_show(self) -> None:
        self.today.configure(text=today_line(self.app.clock()))
        self.query.delete(0, "end")
        self.refresh()

    def focus_first(self) -> None:
        self.query.focus_set()

    def _reload(self, _event: tk.Event) -> None:
        if self.winfo_ismapped():
            self.refresh()

    def refresh(self) -> None:
        if self._loading:
            return
        self._loading = True
        clock, session = self.app.clock, self.app.session
        catalog = self.app.reference.catalog if self.app.reference else None

        def job(db: Database) -> Any:
            from station_client.services import reference
            from station_client.services.caselist import conflict_cases
            from station_client.services.desk import today_counts

            counts = today_counts(db, clock())
            if not counts.conflict or session is None:
                return counts, []
            return counts, conflict_cases(
                db, session.dek, catalog or reference.catalog(db), limit=CONFLICTS_SHOWN
            )

        def done(found: Any) -> None:
            counts, conflicts = found
            self._loading = False
            self._show_conflicts(counts.conflict, conflicts)
            for spec in tiles(counts):
                self.tiles[spec.key] = spec
                color = theme.DANGER if spec.alert else theme.TEXT
                self.tile_buttons[spec.key].configure(text=spec.text, text_color=color)

        def failed(exc: BaseException) -> None:
            self._loading = False
            self.show_error(exc)

        self.run(job, done, failed)

    def _show_conflicts(self, count: int, conflicts: list[Any]) -> None:
        if not count:
            self.conflict_panel.grid_remove()
            self.conflict_text.configure(text="")
            return
        lines = [f"数据冲突待处理 {count} 件：已转综合业务科核对，按 F4 查看（同步问题）。"]
        lines += [
            f"{c.case_number}　{c.item_name}　{c.applicant_name}——{c.conflict.tell_applicant}"
            for c in conflicts
            if c.conflict is not None
        ]
        self.conflict_text.configure(text="\n".join(lines))
        self.conflict_panel.grid(row=3, column=0, sticky="ew", pady=(10, 0))

    def _open_tile(self, key: str) -> None:
        target = self.tiles[key].target
        if target == PROBLEMS:
            self.nav.open_problems()
        else:
            self.nav.open_cases(target)

    def on_enter(self) -> None:
        self.nav.new_applicant(self.query.get().strip())


def _zero() -> Any:
    from station_client.services.desk import TodayCounts

    return TodayCounts(0, 0, 0, 0, 0, 0, 0, 0)
