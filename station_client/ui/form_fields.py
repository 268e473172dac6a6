"""One widget per kind of form field, each a row: label (★ when required), input, help, message.

Every input is a Tab stop in reading order; a change calls ``on_change`` and leaving
the field calls ``on_leave`` (the form then validates and shows the messages of the
fields the clerk has been through). ``value()`` is what was typed, as the contract's
parsers take it (text as typed, a choice's value, a list, True/False, or None).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial
from typing import Any

import customtkinter as ctk

from schema.catalog import FormField
from station_client.ui import theme
from station_client.ui.viewmodels.form import PLACEHOLDERS, widget_kind
from station_client.ui.widgets import checkbox, choice_button, entry_ring, label

LABEL_WIDTH = 220
MESSAGE_WRAP = 520  # the input column of the left pane at 1366 px


class FieldRow(ctk.CTkFrame):  # type: ignore[misc]
    def __init__(
        self, parent: Any, f: FormField, on_change: Callable[[str], None], on_leave: Callable[[str], None]
    ) -> None:
        super().__init__(parent, fg_color="transparent")
        self.f = f
        self.on_change, self.on_leave = on_change, on_leave
        self.grid_columnconfigure(1, weight=1)
        self.title = label(self, f.label, wrap=LABEL_WIDTH - 10)
        self.title.configure(width=LABEL_WIDTH, anchor="e", justify="right")
        self.title.grid(row=0, column=0, sticky="ne", padx=(0, 12), pady=(6, 0))
        self.box = ctk.CTkFrame(self, fg_color="transparent")
        self.box.grid(row=0, column=1, sticky="w")
        self.help = label(self, f.help, muted=True, size=theme.MIN_PX, wrap=MESSAGE_WRAP) if f.help else None
        if self.help is not None:
            self.help.grid(row=1, column=1, sticky="w")
        self.msg = label(self, "", size=theme.MIN_PX, wrap=MESSAGE_WRAP)
        self.build()

    # subclasses
    def build(self) -> None:
        raise NotImplementedError

    def value(self) -> object:
        raise NotImplementedError

    def set_value(self, value: object) -> None:
        raise NotImplementedError

    def focus_input(self) -> None:
        raise NotImplementedError

    # shared
    def mark_required(self, required: bool) -> None:
        self.title.configure(text=("★" if required else "") + self.f.label)

    def show(self, message: tuple[str, str] | None) -> None:
        if message is None:
            self.msg.grid_remove()
            self.msg.configure(text="")
            return
        text, kind = message
        self.msg.configure(
            text=("✖" if kind == "error" else "⚠") + text,
            text_color=theme.DANGER if kind == "error" else theme.WARNING,
        )
        self.msg.grid(row=2, column=1, sticky="w")

    @property
    def message(self) -> str:
        return str(self.msg.cget("text"))

    def _changed(self, *_args: object) -> None:
        self.on_change(self.f.name)

    def _left(self, *_args: object) -> None:
        self.on_leave(self.f.name)


class EntryField(FieldRow):
    def build(self) -> None:
        self.var = tk.StringVar()
        width = 500 if self.f.type.value == "text" else 320
        self.entry = ctk.CTkEntry(
            self.box,
            textvariable=self.var,
            width=width,
            height=38,
            placeholder_text=PLACEHOLDERS.get(self.f.type),
            font=theme.font(),
        )
        entry_ring(self.entry)
        self.entry.grid(row=0, column=0, sticky="w")
        self.var.trace_add("write", self._changed)
        self.entry.bind("<FocusOut>", self._left, add="+")

    def value(self) -> object:
        return self.var.get()

    def set_value(self, value: object) -> None:
        self.var.set("" if value is None else str(value))

    def focus_input(self) -> None:
        """Focus with the content selected (as Tab does): after a refused value, typing it
        again or swiping a card replaces it instead of appending to it."""
        self.entry.focus_set()
        self.entry.select_range(0, "end")
        self.entry.icursor("end")


class TextField(FieldRow):
    def build(self) -> None:
        self.text = ctk.CTkTextbox(
            self.box,
            width=500,
            height=84,
            border_width=1,
            border_color=theme.BORDER,
            wrap="word",
            font=theme.font(),
        )
        self.text.grid(row=0, column=0, sticky="w")
        inner = self.text._textbox  # the tk.Text: Tab leaves the box instead of typing a tab
        inner.bind("<Tab>", lambda e: (e.widget.tk_focusNext().focus_set(), "break")[1])
        inner.bind("<Shift-Tab>", lambda e: (e.widget.tk_focusPrev().focus_set(), "break")[1])
        inner.bind("<<Modified>>", self._modified)
        inner.bind("<FocusOut>", self._left, add="+")
        inner.bind(
            "<FocusIn>", lambda _e: self.text.configure(border_width=3, border_color=theme.FOCUS), add="+"
        )
        inner.bind(
            "<FocusOut>", lambda _e: self.text.configure(border_width=1, border_color=theme.BORDER), add="+"
        )

    def _modified(self, _event: tk.Event) -> None:
        inner = self.text._textbox
        if inner.edit_modified():
            inner.edit_modified(False)
            self._changed()

    def value(self) -> object:
        return self.text.get("1.0", "end").strip()

    def set_value(self, value: object) -> None:
        self.text.delete("1.0", "end")
        self.text.insert("1.0", "" if value is None else str(value))

    def focus_input(self) -> None:
        self.text.focus_set()


def arrows(stops: list[Any], on_move: Callable[[int], None] | None = None) -> None:
    """←/→ (and ↑/↓) move the keyboard between the options of one field, as in a radio group;
    ``on_move(n)`` is told which option the keyboard reached."""

    def move(n: int, step: int, _event: tk.Event) -> str:
        target = max(0, min(len(stops) - 1, n + step))
        tk.Misc.focus_set(stops[target])
        if on_move is not None:
            on_move(target)
        return "break"

    for n, stop in enumerate(stops):
        for key, step in (("<Left>", -1), ("<Up>", -1), ("<Right>", 1), ("<Down>", 1)):
            tk.Misc.bind(stop, key, partial(move, n, step))


class ChoiceButtons(FieldRow):
    """A few choices as buttons: a click or Space picks one (again: none), ←/→ pick the one
    beside it; Enter confirms the form."""

    def choices(self) -> list[tuple[object, str]]:
        return [(c.value, c.label) for c in self.f.choices]

    def build(self) -> None:
        self.options = self.choices()
        self.current: object = None
        self.buttons: list[ctk.CTkButton] = []
        for n, (val, text) in enumerate(self.options):
            b = choice_button(self.box, text, partial(self.pick, val), width=max(90, 22 * len(text) + 30))
            b.grid(row=0, column=n, padx=(0, 8))
            tk.Misc.bind(b, "<FocusOut>", self._left, "+")
            self.buttons.append(b)
        arrows(self.buttons, self._arrived)

    def _arrived(self, n: int) -> None:
        value = self.options[n][0]
        if self.current != value:
            self.pick(value)

    def pick(self, value: object) -> None:
        self.current = None if self.current == value else value
        self._paint()
        self._changed()

    def _paint(self) -> None:
        for (val, _text), b in zip(self.options, self.buttons, strict=True):
            chosen = val == self.current
            b.configure(
                fg_color=theme.PRIMARY if chosen else theme.SECONDARY,
                text_color="#FFFFFF" if chosen else theme.TEXT,
            )

    def value(self) -> object:
        return self.current

    def set_value(self, value: object) -> None:
        self.current = value
        self._paint()

    def focus_input(self) -> None:
        if self.buttons:
            self.buttons[0].focus_set()


class YesNoField(ChoiceButtons):
    def choices(self) -> list[tuple[object, str]]:
        return [(True, "是"), (False, "否")]


class ComboField(FieldRow):
    """Many choices: type the choice (its words or its value) or pick from the list (↓ opens it)."""

    def build(self) -> None:
        self.labels = {c.label: c.value for c in self.f.choices}
        self.var = tk.StringVar()
        self.combo = ctk.CTkComboBox(
            self.box,
            values=list(self.labels),
            variable=self.var,
            width=420,
            height=38,
            command=lambda _v: self._changed(),
            font=theme.font(),
            dropdown_font=theme.font(),
        )
        self.combo.set("")
        self.combo.grid(row=0, column=0, sticky="w")
        self.var.trace_add("write", self._changed)
        self.combo.bind("<FocusOut>", self._left, add="+")
        self.combo.bind("<Down>", self._open, add="+")
        self.combo.bind("<Alt-Down>", self._open, add="+")

    def _open(self, _event: tk.Event) -> str:
        opener = getattr(self.combo, "_clicked", None)  # customtkinter opens its list on a click
        if callable(opener):
            opener()
        return "break"

    def value(self) -> object:
        text = self.var.get().strip()
        return self.labels.get(text, text)

    def set_value(self, value: object) -> None:
        shown = next(
            (c.label for c in self.f.choices if c.value == value), "" if value is None else str(value)
        )
        self.combo.set(shown)

    def focus_input(self) -> None:
        self.combo.focus_set()


class MultiField(FieldRow):
    def build(self) -> None:
        self.vars: dict[str, tk.BooleanVar] = {}
        self.boxes: list[ctk.CTkCheckBox] = []
        for n, c in enumerate(self.f.choices):
            var = tk.BooleanVar(value=False)
            box = checkbox(self.box, c.label, var, command=self._changed)
            box.grid(row=n // 3, column=n % 3, sticky="w", padx=(0, 16), pady=2)
            tk.Misc.bind(box, "<FocusOut>", self._left, "+")
            self.vars[c.value] = var
            self.boxes.append(box)
        arrows(self.boxes)  # ←/→ go from box to box; Space ticks the one with the keyboard

    def value(self) -> object:
        return [v for v, var in self.vars.items() if var.get()]

    def set_value(self, value: object) -> None:
        chosen = set(value) if isinstance(value, list | tuple | set) else set()
        for v, var in self.vars.items():
            var.set(v in chosen)

    def focus_input(self) -> None:
        if self.boxes:
            self.boxes[0].focus_set()


class DivisionField(FieldRow):
    """A Leshan county or township: type its name or pinyin initials, pick from the suggestions."""

    def build(self) -> None:
        from station_client.ui.viewmodels.divisions import division_index

        self.index = division_index()
        self.code: str | None = None
        self.var = tk.StringVar()
        self.entry = ctk.CTkEntry(
            self.box,
            textvariable=self.var,
            width=420,
            height=38,
            placeholder_text="输入乡镇名称或拼音首字母，如 dfjd",
            font=theme.font(),
        )
        entry_ring(self.entry)
        self.entry.grid(row=0, column=0, sticky="w")
        self.list = tk.Listbox(
            self.box,
            height=5,
            width=40,
            font=("", -theme.MIN_PX),
            activestyle="dotbox",
            exportselection=False,
        )
        self.entry.bind("<KeyRelease>", self._suggest, add="+")
        self.entry.bind("<Down>", self._into_list, add="+")
        self.entry.bind("<FocusOut>", self._left, add="+")
        self.list.bind("<Return>", self._chosen)
        self.list.bind("<Double-1>", self._chosen)
        self.list.bind("<Escape>", self._leave_list)
        self.keys: list[str] = []

    def _suggest(self, event: tk.Event) -> None:
        if event.keysym in ("Down", "Up", "Return", "Tab", "Escape"):
            return
        self.code = None
        text = self.var.get().strip()
        hits = self.index.search(text, limit=8) if text else []
        self.keys = [h.key for h in hits]
        self.list.delete(0, "end")
        for h in hits:
            self.list.insert("end", self._full(h.key))
        if hits:
            self.list.configure(height=len(hits))
            self.list.grid(row=1, column=0, sticky="w")
        else:
            self._hide()
        self._changed()

    def _full(self, code: str) -> str:
        from station_client.ui.viewmodels.person import place

        return place(code)

    def _hide(self) -> None:
        self.list.grid_remove()

    def _leave_list(self, _event: tk.Event) -> str:
        self._hide()
        self.entry.focus_set()
        return "break"

    def _into_list(self, _event: tk.Event) -> str:
        if self.keys:
            self.list.focus_set()
            self.list.selection_set(0)
            self.list.activate(0)
        return "break"

    def _chosen(self, _event: tk.Event) -> str:
        chosen: tuple[int, ...] = tuple(self.list.curselection())  # type: ignore[no-untyped-call]
        if chosen:
            self.set_value(self.keys[chosen[0]])
            self._changed()
        self._hide()
        self.entry.focus_set()
        return "break"

    def value(self) -> object:
        return self.code or self.var.get().strip()

    def set_value(self, value: object) -> None:
        self._hide()
        self.code = None if value is None else str(value)
        self.var.set(self._full(self.code) if self.code and self.code.isdigit() else (self.code or ""))

    def focus_input(self) -> None:
        self.entry.focus_set()


ROWS: dict[str, type[FieldRow]] = {
    "entry": EntryField,
    "text": TextField,
    "yesno": YesNoField,
    "radio": ChoiceButtons,
    "combo": ComboField,
    "multi": MultiField,
    "division": DivisionField,
}


def make_row(
    parent: Any, f: FormField, on_change: Callable[[str], None], on_leave: Callable[[str], None]
) -> FieldRow:
    return ROWS[widget_kind(f)](parent, f, on_change, on_leave)
