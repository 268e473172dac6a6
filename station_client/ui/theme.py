"""Fonts and colours: large, high-contrast, Chinese first.

Every font is at least 16 px (pixels, whatever the Windows scaling); body text is 18 px.
The family is the first Chinese font Tk can see: 微软雅黑 on Windows, Noto Sans CJK or
WenQuanYi on Debian; Tk falls back through fontconfig anyway, so a missing family never
shows boxes where a CJK font is installed.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import font as tkfont
from tkinter import ttk

FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "微软雅黑",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "SimHei",
    "PingFang SC",
)

# Colours (light, high contrast; text on every fill passes WCAG AA).
BG = "#F3F5F8"
PANEL = "#FFFFFF"
TEXT = "#111111"
MUTED = "#4A4F57"
PRIMARY = "#0B57D0"
PRIMARY_HOVER = "#0842A0"
SECONDARY = "#E3E8EF"
SECONDARY_HOVER = "#CBD3DE"
DANGER = "#B3261E"
SUCCESS = "#1B6E2D"
WARNING = "#8A5300"
WARNING_BG = "#FFF4DC"
ERROR_BG = "#FDECEA"
INFO_BG = "#E8F0FE"
FOCUS = "#F59E0B"  # a thick amber ring shows where the keyboard is
BORDER = "#9AA4B2"
ONLINE = SUCCESS
OFFLINE = DANGER

BODY = 18
SMALL = 16
TITLE = 24
BIG = 30
ROW_HEIGHT = 34
MIN_PX = 16


@dataclass(frozen=True)
class Fonts:
    family: str
    body: tuple[str, int]
    bold: tuple[str, int, str]
    small: tuple[str, int]
    title: tuple[str, int, str]
    big: tuple[str, int, str]
    mono: tuple[str, int]


_FONTS: dict[tuple[int, str], object] = {}


def font(size: int = BODY, weight: str = "normal") -> object:
    """A shared CTkFont (made once on the Tk thread and kept: never collected elsewhere)."""
    key = (max(size, MIN_PX), weight)
    found = _FONTS.get(key)
    if found is None:
        import customtkinter as ctk

        found = _FONTS[key] = ctk.CTkFont(size=key[0], weight=weight)
    return found


def forget_fonts() -> None:
    """Drop the shared fonts (their Tk interpreter is closing)."""
    _FONTS.clear()


def pick_family(root: tk.Misc) -> str:
    available = set(tkfont.families(root))
    return next(
        (f for f in FAMILIES if f in available), tkfont.nametofont("TkDefaultFont", root).actual("family")
    )


def make_fonts(root: tk.Misc) -> Fonts:
    family = pick_family(root)
    # Negative sizes are pixels in Tk: the same size on every DPI setting.
    return Fonts(
        family=family,
        body=(family, -BODY),
        bold=(family, -BODY, "bold"),
        small=(family, -SMALL),
        title=(family, -TITLE, "bold"),
        big=(family, -BIG, "bold"),
        mono=(family, -BODY),
    )


def apply(root: tk.Tk, fonts: Fonts) -> None:
    """Tk's named fonts, the ttk Treeview, and customtkinter's defaults."""
    import customtkinter as ctk

    ctk.set_appearance_mode("light")
    ctk.set_default_color_theme("blue")
    theme = ctk.ThemeManager.theme
    theme["CTkFont"]["family"] = fonts.family
    theme["CTkFont"]["size"] = BODY
    for name in ("TkDefaultFont", "TkTextFont", "TkMenuFont", "TkHeadingFont", "TkFixedFont"):
        tkfont.nametofont(name, root).configure(family=fonts.family, size=-BODY)
    root.option_add("*Font", fonts.body)
    style = ttk.Style(root)
    style.theme_use("clam")
    style.configure(
        "Treeview",
        font=fonts.body,
        rowheight=ROW_HEIGHT,
        background=PANEL,
        fieldbackground=PANEL,
        foreground=TEXT,
        bordercolor=BORDER,
    )
    style.configure(
        "Treeview.Heading", font=fonts.bold, background=SECONDARY, foreground=TEXT, padding=(6, 6)
    )
    style.map(
        "Treeview",
        background=[("selected", PRIMARY)],
        foreground=[("selected", "#FFFFFF")],
    )
