"""找人: by ID number (checked and normalised as typed, the reason shown when wrong), by
name within the township's slice, or a unit by its credit code; then on to the items.
A person found shows what the slice carries: 参保状态, enrolments with the last month paid,
benefits, the card, and 已死亡 (with the date) above everything."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Any

import customtkinter as ctk
from sqlite_utils import Database

from schema.vocabulary import ApplicantKind
from station_client.ui import theme
from station_client.ui.screen import Screen, entry
from station_client.ui.viewmodels import person as vm
from station_client.ui.viewmodels.desk import Applicant
from station_client.ui.widgets import Column, Table, button, label

if TYPE_CHECKING:
    from station_client.ui.navigation import App


class PersonScreen(Screen):
    title = "办理业务：确定申请人"
    hint = "回车查找／下一步，Esc 返回"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        c = self.content
        c.grid_columnconfigure(0, weight=1)
        kinds = ctk.CTkFrame(c, fg_color="transparent")
        kinds.grid(row=0, column=0, sticky="w")
        self.kind = ApplicantKind.PERSON
        self.person_button = button(kinds, "个人", lambda: self.set_kind(ApplicantKind.PERSON), width=120)
        self.person_button.grid(row=0, column=0, padx=(0, 8))
        self.unit_button = button(
            kinds, "单位", lambda: self.set_kind(ApplicantKind.UNIT), kind="secondary", width=120
        )
        self.unit_button.grid(row=0, column=1)
        find = ctk.CTkFrame(c, fg_color=theme.PANEL, corner_radius=10)
        find.grid(row=1, column=0, sticky="ew", pady=(10, 0))
        find.grid_columnconfigure(2, weight=1)
        self.query_label = label(find, "公民身份号码或姓名", bold=True)
        self.query_label.grid(row=0, column=0, padx=(16, 10), pady=(12, 4), sticky="w")
        self.query = entry(find, width=460, placeholder="刷身份证，或输入号码、姓名")
        self.query.grid(row=0, column=1, pady=(12, 4), sticky="w")
        self.find_button = button(find, "查找", self.lookup, width=110)
        self.find_button.grid(row=0, column=2, padx=10, pady=(12, 4), sticky="w")
        self.check = label(find, "", size=theme.SMALL, wrap=1100)
        self.check.grid(row=1, column=0, columnspan=3, sticky="w", padx=16, pady=(0, 10))
        self.query.bind("<KeyRelease>", self._typed)
        self.result = ctk.CTkFrame(c, fg_color=theme.PANEL, corner_radius=10)
        self.result.grid(row=2, column=0, sticky="nsew", pady=(10, 0))
        self.result.grid_columnconfigure(1, weight=1)
        c.grid_rowconfigure(2, weight=1)
        form = ctk.CTkFrame(c, fg_color="transparent")
        form.grid(row=3, column=0, sticky="ew", pady=(10, 0))
        self.name_label = label(form, "申请人姓名", bold=True)
        self.name_label.grid(row=0, column=0, padx=(0, 10))
        self.name = entry(form, width=260)
        self.name.grid(row=0, column=1, padx=(0, 20))
        label(form, "联系电话", bold=True).grid(row=0, column=2, padx=(0, 10))
        self.phone = entry(form, width=220, placeholder="可不填")
        self.phone.grid(row=0, column=3, padx=(0, 20))
        self.next_button = button(form, "下一步：选择业务", self.proceed, width=200)
        self.next_button.grid(row=0, column=4)
        self.matches: Table | None = None
        self.found: Any = None  # PersonRecord
        self.card: vm.PersonCard | None = None  # what the result panel shows of ``found``
        self.deceased_label: ctk.CTkLabel | None = None
        self.audit_label: ctk.CTkLabel | None = None  # 稽核: a reported death or an open case
        self.checked: vm.Check | None = None
        self.looked_up = False
        self._last_text = ""

    # ── kind ────────────────────────────────────────────────────────────────────────

    def set_kind(self, kind: ApplicantKind) -> None:
        self.kind = kind
        unit = kind is ApplicantKind.UNIT
        self.person_button.configure(
            fg_color=theme.SECONDARY if unit else theme.PRIMARY, text_color=theme.TEXT if unit else "#FFFFFF"
        )
        self.unit_button.configure(
            fg_color=theme.PRIMARY if unit else theme.SECONDARY, text_color="#FFFFFF" if unit else theme.TEXT
        )
        self.query_label.configure(text="统一社会信用代码" if unit else "公民身份号码或姓名")
        self.name_label.configure(text="单位名称" if unit else "申请人姓名")
        self._reset()
        self.query.delete(0, "end")
        self.query.focus_set()

    def _reset(self) -> None:
        for child in self.result.winfo_children():
            child.destroy()
        self.found, self.checked, self.looked_up, self.matches = None, None, False, None
        self.card, self.deceased_label, self.audit_label = None, None, None
        self.check.configure(text="")
        self.banner.clear()

    def focus_first(self) -> None:
        self.query.focus_set()

    def start_with(self, query: str) -> None:
        """Opened from the workbench with something already typed (or read from a card)."""
        code = query.strip()
        if vm.looks_like_code(code) and len(code) == 18 and not code[:17].isdigit():
            self.set_kind(ApplicantKind.UNIT)
        self.query.insert(0, query)
        self._typed(None)
        self.lookup()

    # ── typing and looking up ───────────────────────────────────────────────────────

    def _typed(self, _event: tk.Event | None) -> None:
        text = self.query.get()
        if text == self._last_text:
            return  # a key that changed nothing (Enter, Tab, arrows)
        self._last_text = text
        if self.looked_up:
            self._reset()
        if not text.strip() or not vm.looks_like_code(text):
            self.check.configure(text="")
            return
        today = self.app.today()
        check = vm.check_uscc(text) if self.kind is ApplicantKind.UNIT else vm.check_id(text, today)
        if not check.ok and len(check.value) < (18 if self.kind is ApplicantKind.UNIT else 15):
            self.check.configure(text=f"已输入 {len(check.value)} 位", text_color=theme.MUTED)
            return
        self.check.configure(text=check.message, text_color=theme.SUCCESS if check.ok else theme.DANGER)

    def lookup(self) -> None:
        text = self.query.get().strip()
        self._reset()
        if not text:
            self.banner.show(
                "请刷身份证，或输入公民身份号码、姓名后再查找。"
                if self.kind is ApplicantKind.PERSON
                else "请输入统一社会信用代码。",
                "error",
            )
            return
        if self.kind is ApplicantKind.UNIT:
            self._unit(text)
        elif vm.looks_like_code(text):
            self._by_id(text)
        else:
            self._by_name(text)

    def _unit(self, text: str) -> None:
        check = vm.check_uscc(text)
        self.check.configure(text=check.message, text_color=theme.SUCCESS if check.ok else theme.DANGER)
        if not check.ok:
            self._refused(check.message)
            return
        self.checked, self.looked_up = check, True
        label(self.result, "单位申请：请填写单位名称（与营业执照一致）和联系电话。", wrap=1100).grid(
            row=0, column=0, padx=16, pady=12, sticky="w"
        )
        self.name.focus_set()

    def _by_id(self, text: str) -> None:
        today = self.app.today()
        check = vm.check_id(text, today)
        self.check.configure(text=check.message, text_color=theme.SUCCESS if check.ok else theme.DANGER)
        if not check.ok:
            self._refused(check.message)
            return
        self.checked = check
        session = self.clerk

        def job(db: Database) -> Any:
            from station_client.services.registry import find_by_id

            return find_by_id(db, session.dek, check.value, today=today)

        self.run(job, self._show_person)

    def _refused(self, message: str) -> None:
        """Say why, and select the number: the card swiped again (or typing) replaces it."""
        self.banner.show(message, "error")
        self.query.focus_set()
        self.query.select_range(0, "end")
        self.query.icursor("end")

    def _by_name(self, text: str) -> None:
        session = self.clerk

        def job(db: Database) -> Any:
            from station_client.services.registry import find_by_name

            return find_by_name(db, session.dek, text, limit=50)

        self.run(job, lambda found: self._show_matches(text, found))

    def _show_matches(self, name: str, found: list[Any]) -> None:
        self.looked_up = True
        if not found:
            self.banner.show(
                f"本乡镇参保信息中没有姓名为“{name}”的人（按姓名只能查完整姓名）：请刷身份证或输入公民身份号码查找。",
                "warning",
            )
            return
        if len(found) == 1:
            self._show_person(found[0])
            return
        label(self.result, f"姓名为“{name}”的有 {len(found)} 人：用上下键选择，回车确认。", bold=True).grid(
            row=0, column=0, padx=16, pady=(10, 4), sticky="w"
        )
        table = Table(
            self.result,
            [
                Column("name", "姓名", 140),
                Column("sex", "性别", 80),
                Column("born", "出生日期", 160),
                Column("id", "公民身份号码", 260),
                Column("place", "户籍乡镇", 360, stretch=True),
            ],
            height=6,
        )
        table.grid(row=1, column=0, columnspan=2, sticky="nsew", padx=16, pady=(0, 10))
        by_id = {}
        for record in found:
            by_id[record.id_number] = record
            born = record.birth_date
            table.add(
                record.id_number,
                [
                    record.name,
                    vm.SEX[record.sex],
                    f"{born.year}-{born.month:02d}-{born.day:02d}",
                    vm.masked(record.id_number),
                    vm.place(record.township),
                ],
            )
        table.on_open(lambda iid: self._pick(by_id[iid]))
        self.matches = table
        table.focus_table()

    def _pick(self, record: Any) -> None:
        self.query.delete(0, "end")
        self.query.insert(0, record.id_number)
        self._last_text = record.id_number
        self._reset()
        self.checked = vm.check_id(record.id_number, self.app.today())
        self._show_person(record)

    def _show_person(self, record: Any) -> None:
        self.looked_up = True
        for child in self.result.winfo_children():
            child.destroy()
        self.name.delete(0, "end")
        self.phone.delete(0, "end")
        if record is None:
            note = vm.unknown_note(self.app.sync.online)
            label(self.result, "【未核实】", bold=True, size=theme.TITLE).grid(
                row=0, column=0, padx=16, pady=(12, 4), sticky="w"
            )
            label(self.result, note, wrap=1150).grid(
                row=1, column=0, columnspan=2, padx=16, pady=(0, 12), sticky="w"
            )
            self.found = None
            self.name.focus_set()
            return
        self.found = record
        self.deceased_label, self.audit_label = None, None
        card = self.card = vm.person_card(record, self.app.today())
        top = 0
        if card.deceased:  # above everything: the desk must not take a payment for the dead
            self.deceased_label = label(self.result, card.deceased, bold=True, wrap=1280)
            self.deceased_label.configure(text_color=theme.DANGER, fg_color=theme.ERROR_BG, corner_radius=6)
            self.deceased_label.grid(row=0, column=0, columnspan=2, sticky="ew", padx=16, pady=(6, 0))
            top = 1
        if card.audit_warning:  # the city is checking the person: the clerk checks the ID first
            self.audit_label = label(self.result, card.audit_warning, bold=True, wrap=1280)
            self.audit_label.configure(text_color=theme.DANGER, fg_color=theme.ERROR_BG, corner_radius=6)
            self.audit_label.grid(row=top, column=0, columnspan=2, sticky="ew", padx=16, pady=(6, 0))
            top += 1
        # Two frames side by side, each with its own rows: the tables never stretch the lines.
        left = ctk.CTkFrame(self.result, fg_color="transparent")
        left.grid(row=top, column=0, sticky="nw", padx=(16, 10), pady=6)
        lines = [*card.lines, ("参保地", card.insured_places)]
        for row, (key, value) in enumerate(lines):
            label(left, key, muted=True).grid(row=row, column=0, sticky="w", padx=(0, 10))
            label(left, value, bold=key in ("姓名", "参保状态"), wrap=400).grid(row=row, column=1, sticky="w")
        right = ctk.CTkFrame(self.result, fg_color="transparent")
        right.grid(row=top, column=1, sticky="ne", padx=16, pady=6)
        if card.enrolments:
            table = Table(
                right,
                [
                    Column("ins", "险种", 200),
                    Column("county", "参保地", 150),
                    Column("status", "状态", 100),
                    Column("since", "起始", 110),
                    Column("last", "最近缴费", 130),
                ],
                height=min(3, len(card.enrolments)),
            )
            for n, values in enumerate(card.enrolments):
                table.add(str(n), values)
            table.grid(row=0, column=0, sticky="ew")
            table.view.configure(takefocus=0)
        # Benefits as lines under the table (a second table would not fit 1366×700 beside
        # the person's lines): each starts with the benefit's name.
        for n, text in enumerate(card.benefit_lines(), start=1):
            line = label(right, text, muted=not card.benefits, wrap=700, size=theme.SMALL)
            line.configure(height=24)  # small type, tighter lines: three fit under the table
            line.grid(row=n, column=0, sticky="w", pady=(6 if n == 1 else 0, 0))
        self.name.insert(0, record.name)
        if record.phone:
            self.phone.insert(0, record.phone)
        self.next_button.focus_set()

    # ── going on ────────────────────────────────────────────────────────────────────

    def on_enter(self) -> None:
        if self.looked_up and (self.found is not None or self.checked is not None):
            self.proceed()
        else:
            self.lookup()

    def proceed(self) -> None:
        if not self.looked_up or self.checked is None:
            self.lookup()
            return
        name = vm.check_name(self.name.get())
        if not name.ok:
            self.banner.show(name.message, "error")
            self.name.focus_set()
            return
        unit = self.kind is ApplicantKind.UNIT
        self.app.desk.applicant = Applicant(
            kind=self.kind,
            name=name.value,
            id_number=None if unit else self.checked.value,
            uscc=self.checked.value if unit else None,
            phone=self.phone.get().strip() or None,
            record=self.found,
            verified=self.found is not None,
        )
        self.nav.open_items()
