"""Shared widgets: keyboard-ready buttons, message banners, a scrolling frame, tables, the sync bar.

customtkinter's buttons and check boxes draw on a canvas and take no keyboard focus;
:func:`keyboard` makes any of them a Tab stop with a thick amber ring where the focus
is, so a clerk can work without the mouse. A button acts on Space or Enter; a choice or
a check box (:func:`choice_button`, :func:`checkbox`) toggles on Space only, so Enter
stays the screen's main action (confirming a form never changes a choice on the way).
Labels that wrap (:class:`WrapLabel`, :class:`Banner`) break their lines themselves:
Chinese between characters, Latin words whole, no punctuation starting a line.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from tkinter import ttk
from typing import Any, ClassVar, Literal

import customtkinter as ctk

from station_client.ui import theme
from station_client.ui.viewmodels import linebreak

ACTIVATE_KEYS = ("<KeyPress-space>", "<Return>", "<KP_Enter>")  # a button
TOGGLE_KEYS = ("<KeyPress-space>",)  # a choice or a check box: Enter goes on to the screen


def keyboard(
    widget: ctk.CTkBaseClass,
    activate: Callable[[], object],
    *,
    ring: bool = True,
    keys: tuple[str, ...] = ACTIVATE_KEYS,
) -> None:
    """Tab stop + activation by ``keys`` + focus ring for a canvas-drawn CTk widget."""
    widget.tk.call(str(widget), "configure", "-takefocus", 1)  # the outer frame: a Tab stop
    # customtkinter's focus_set() focuses the text label inside, where none of the keys below
    # are bound: a screen that puts the keyboard on a button or check box would show nothing
    # and Space would do nothing. Focus the frame itself, as Tab does.
    for name in ("focus", "focus_set", "focus_force"):
        setattr(widget, name, getattr(tk.Misc, name).__get__(widget))

    def fire(_event: tk.Event) -> str:
        if str(widget.cget("state")) != "disabled":
            activate()
        return "break"  # Enter on a button is that button, not the screen's default action

    for key in keys:
        tk.Misc.bind(widget, key, fire)
    if ring:
        width = widget.cget("border_width")
        color = widget.cget("border_color")
        tk.Misc.bind(
            widget, "<FocusIn>", lambda _e: widget.configure(border_width=3, border_color=theme.FOCUS), "+"
        )
        tk.Misc.bind(
            widget, "<FocusOut>", lambda _e: widget.configure(border_width=width, border_color=color), "+"
        )


def entry_ring(entry: ctk.CTkEntry) -> None:
    """A thicker amber border while the entry has the focus."""
    width, color = entry.cget("border_width"), entry.cget("border_color")
    entry.bind("<FocusIn>", lambda _e: entry.configure(border_width=3, border_color=theme.FOCUS), add="+")
    entry.bind("<FocusOut>", lambda _e: entry.configure(border_width=width, border_color=color), add="+")


_KINDS = {  # fill, hover, text, text when disabled
    "primary": (theme.PRIMARY, theme.PRIMARY_HOVER, "#FFFFFF", "#B9CCEF"),
    "secondary": (theme.SECONDARY, theme.SECONDARY_HOVER, theme.TEXT, "#8A929C"),
    "danger": (theme.DANGER, "#8C1D18", "#FFFFFF", "#EBC0BC"),
    "success": (theme.SUCCESS, "#145222", "#FFFFFF", "#B7D9BF"),
}


def button(
    parent: Any,
    text: str,
    command: Callable[[], object],
    *,
    kind: str = "primary",
    width: int = 120,
    height: int = 40,
    font: Any = None,
    keys: tuple[str, ...] = ACTIVATE_KEYS,
) -> ctk.CTkButton:
    fg, hover, fg_text, disabled_text = _KINDS[kind]
    widget = ctk.CTkButton(
        parent,
        text=text,
        command=command,
        width=width,
        height=height,
        fg_color=fg,
        hover_color=hover,
        text_color=fg_text,
        text_color_disabled=disabled_text,
        border_width=1,
        border_color=theme.BORDER if kind == "secondary" else fg,
        corner_radius=6,
        font=font or theme.font(),
    )
    keyboard(widget, widget.invoke, keys=keys)
    return widget


def choice_button(parent: Any, text: str, command: Callable[[], object], *, width: int) -> ctk.CTkButton:
    """One option of a choice (是／否, a few values): a click or Space toggles it; Enter is left
    to the screen (on a form: check and confirm), so it never changes the choice."""
    return button(parent, text, command, kind="secondary", width=width, height=36, keys=TOGGLE_KEYS)


def checkbox(
    parent: Any, text: str, variable: tk.BooleanVar, command: Callable[[], object] | None = None
) -> ctk.CTkCheckBox:
    box = ctk.CTkCheckBox(
        parent,
        text=text,
        variable=variable,
        command=command,
        checkbox_width=26,
        checkbox_height=26,
        font=theme.font(),
    )
    keyboard(box, box.toggle, keys=TOGGLE_KEYS)  # Enter goes on to the screen's action
    return box


class WrapLabel(ctk.CTkLabel):  # type: ignore[misc]
    """A label whose text is broken into lines of at most ``wraplength`` pixels by
    :func:`~station_client.ui.viewmodels.linebreak.wrap` (Tk's own wrapping breaks only at
    spaces, so Chinese broke anywhere). ``cget("text")`` is the text as given."""

    def __init__(self, parent: Any, *, wraplength: int = 0, **kwargs: Any) -> None:
        self._wrap = wraplength
        super().__init__(parent, wraplength=0, **kwargs)
        self._render()

    def configure(self, require_redraw: bool = False, **kwargs: Any) -> None:
        rewrap = bool({"text", "font", "wraplength"} & kwargs.keys())
        if "wraplength" in kwargs:
            self._wrap = kwargs.pop("wraplength")
        super().configure(require_redraw, **kwargs)
        if rewrap:
            self._render()

    def cget(self, attribute_name: str) -> Any:
        return self._wrap if attribute_name == "wraplength" else super().cget(attribute_name)

    def _update_font(self) -> None:
        super()._update_font()
        self._render()

    def _set_scaling(self, *args: Any, **kwargs: Any) -> None:
        super()._set_scaling(*args, **kwargs)
        self._label.configure(wraplength=0)
        self._render()

    def _render(self) -> None:
        text = str(self._text)
        if self._wrap > 0 and text:
            inner = self._label
            font = inner.cget("font")

            def measure(piece: str) -> float:
                return int(inner.tk.call("font", "measure", font, "-displayof", inner, piece))

            text = linebreak.wrap(text, self._apply_widget_scaling(self._wrap), measure)
        self._label.configure(text=text)


class Banner(WrapLabel):
    """A message line: error (red), warning (amber), info (blue), success (green).

    Empty, it takes no room: it is placed with ``grid`` once and removed while empty.
    """

    COLORS: ClassVar[dict[str, tuple[str, str]]] = {
        "error": (theme.ERROR_BG, theme.DANGER),
        "warning": (theme.WARNING_BG, theme.WARNING),
        "info": (theme.INFO_BG, theme.PRIMARY),
        "success": ("#E6F4EA", theme.SUCCESS),
    }

    def __init__(self, parent: Any, *, wraplength: int = 900) -> None:
        super().__init__(
            parent,
            text="",
            anchor="w",
            justify="left",
            wraplength=wraplength,
            corner_radius=6,
            font=theme.font(),
        )
        self._placed = False

    def grid(self, **kwargs: Any) -> None:
        super().grid(**kwargs)
        self._placed = True
        if not self.text:
            self.grid_remove()

    def show(self, text: str, kind: str = "error") -> None:
        bg, fg = self.COLORS[kind]
        self.configure(text=text, fg_color=bg, text_color=fg)
        if self._placed:
            super().grid()

    def clear(self) -> None:
        self.configure(text="", fg_color="transparent")
        if self._placed:
            self.grid_remove()

    @property
    def text(self) -> str:
        return str(self.cget("text"))


class ScrollFrame(ctk.CTkFrame):  # type: ignore[misc]
    """A vertically scrolling area (``.inner`` holds the content) that keeps the focus in view."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.grid_rowconfigure(0, weight=1)
        self.grid_columnconfigure(0, weight=1)
        self.canvas = tk.Canvas(self, highlightthickness=0, borderwidth=0, background=theme.PANEL)
        self.canvas.grid(row=0, column=0, sticky="nsew")
        self.bar = ctk.CTkScrollbar(self, command=self.canvas.yview, width=18)
        self.bar.grid(row=0, column=1, sticky="ns")
        self.canvas.configure(yscrollcommand=self.bar.set)
        self.inner = ctk.CTkFrame(self.canvas, fg_color=theme.PANEL, corner_radius=0)
        self._window = self.canvas.create_window(0, 0, window=self.inner, anchor="nw")
        self.inner.bind("<Configure>", lambda _e: self.canvas.configure(scrollregion=self.canvas.bbox("all")))
        self.canvas.bind("<Configure>", lambda e: self.canvas.itemconfigure(self._window, width=e.width))
        # The wheel scrolls this area while the pointer is over it (bound only meanwhile).
        tk.Misc.bind(self, "<Enter>", self._wheel_on, "+")
        tk.Misc.bind(self, "<Leave>", self._wheel_off, "+")

    def _wheel_on(self, _event: tk.Event) -> None:
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            self.canvas.bind_all(sequence, self._wheel)

    def _wheel_off(self, event: tk.Event) -> None:
        if getattr(event, "detail", "") == "NotifyInferior":  # into a child: still over the area
            return
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            self.canvas.unbind_all(sequence)

    def _wheel(self, event: tk.Event) -> None:
        if not self.winfo_exists():
            return
        step = -1 if getattr(event, "num", 0) == 4 or getattr(event, "delta", 0) > 0 else 1
        self.canvas.yview_scroll(step * 2, "units")

    def contains(self, widget: tk.Misc) -> bool:
        return str(widget).startswith(str(self.inner) + ".")

    def see(self, widget: tk.Misc) -> None:
        """Scroll so that ``widget`` (inside ``inner``) is visible."""
        self.update_idletasks()
        total = max(1, self.inner.winfo_height())
        top = widget.winfo_rooty() - self.inner.winfo_rooty()
        bottom = top + widget.winfo_height()
        view_top, view_bottom = (f * total for f in self.canvas.yview())
        if top < view_top:
            self.canvas.yview_moveto(max(0.0, (top - 40) / total))
        elif bottom > view_bottom:
            height = view_bottom - view_top
            self.canvas.yview_moveto(max(0.0, (bottom + 40 - height) / total))

    def to_top(self) -> None:
        self.canvas.yview_moveto(0)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int
    anchor: Literal["w", "e", "center"] = "w"
    stretch: bool = False


class Table(ctk.CTkFrame):  # type: ignore[misc]
    """A list with columns (ttk.Treeview): arrows move, Enter or a double click opens a row."""

    def __init__(
        self, parent: Any, columns: Sequence[Column], *, height: int = 10, tree: bool = False
    ) -> None:
        super().__init__(parent, fg_color="transparent")
        self.grid_rowconfigure(0, weight=1)
        self.grid_columnconfigure(0, weight=1)
        show: Literal["tree headings", "headings"] = "tree headings" if tree else "headings"
        self.view = ttk.Treeview(
            self, columns=[c.key for c in columns], show=show, height=height, selectmode="browse"
        )
        if tree:
            self.view.column("#0", width=150, stretch=False)
        for c in columns:
            self.view.heading(c.key, text=c.heading, anchor=c.anchor)
            self.view.column(c.key, width=c.width, anchor=c.anchor, stretch=c.stretch)
        self.view.tag_configure("group", background=theme.SECONDARY)
        self.view.tag_configure("alert", foreground=theme.DANGER)
        self.view.tag_configure("muted", foreground=theme.MUTED)
        self.view.grid(row=0, column=0, sticky="nsew")
        bar = ctk.CTkScrollbar(self, command=self.view.yview, width=18)
        bar.grid(row=0, column=1, sticky="ns")
        self.view.configure(yscrollcommand=bar.set)
        self._on_open: Callable[[str], object] | None = None
        self.view.bind("<Return>", self._open)
        self.view.bind("<KP_Enter>", self._open)
        self.view.bind("<Double-1>", self._open)

    def on_open(self, callback: Callable[[str], object]) -> None:
        self._on_open = callback

    def _open(self, _event: tk.Event) -> str:
        iid = self.selected()
        if iid is not None and self._on_open is not None:
            self._on_open(iid)
        return "break"

    def clear(self) -> None:
        self.view.delete(*self.view.get_children())

    def add(
        self,
        iid: str,
        values: Sequence[object],
        *,
        parent: str = "",
        text: str = "",
        tags: Sequence[str] = (),
        open_: bool = True,
    ) -> None:
        self.view.insert(
            parent, "end", iid=iid, text=text, values=[str(v) for v in values], tags=list(tags), open=open_
        )

    def selected(self) -> str | None:
        chosen = self.view.selection()
        return str(chosen[0]) if chosen else None

    def select(self, iid: str) -> None:
        self.view.selection_set(iid)
        self.view.focus(iid)
        self.view.see(iid)

    def rows(self) -> list[str]:
        out: list[str] = []
        for iid in self.view.get_children():
            out.append(str(iid))
            out += [str(c) for c in self.view.get_children(iid)]
        return out

    def values(self, iid: str) -> list[str]:
        return [str(v) for v in self.view.item(iid, "values")]

    def focus_table(self) -> None:
        self.view.focus_set()
        first = next((r for r in self.rows() if "group" not in self.view.item(r, "tags")), None)
        if first is not None and self.selected() is None:
            self.select(first)


def heading(parent: Any, text: str) -> ctk.CTkLabel:
    return ctk.CTkLabel(parent, text=text, font=theme.font(theme.TITLE, "bold"), anchor="w")


def label(
    parent: Any, text: str, *, muted: bool = False, wrap: int = 0, bold: bool = False, size: int | None = None
) -> ctk.CTkLabel:
    """A left-aligned label; with ``wrap`` (pixels) its lines are broken the Chinese way."""
    font = theme.font(size or theme.BODY, "bold" if bold else "normal")
    options: dict[str, Any] = {
        "text": text,
        "anchor": "w",
        "justify": "left",
        "text_color": theme.MUTED if muted else theme.TEXT,
        "font": font,
    }
    if wrap > 0:
        return WrapLabel(parent, wraplength=wrap, **options)
    return ctk.CTkLabel(parent, **options)
