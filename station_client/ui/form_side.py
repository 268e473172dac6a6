"""The right side of the form: the materials checklist with scans and thumbnails, the
printable 一次性告知单, and the fee with its decomposition."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from tkinter import font as tkfont
from typing import Any, Protocol, cast

import customtkinter as ctk

from station_client.ui import theme
from station_client.ui.viewmodels.form import MEDIA_NAMES, FormModel, ScanDraft, Verdict, check_scan
from station_client.ui.widgets import ScrollFrame, button, checkbox, label

THUMB = (40, 50)  # small: a row with a scan stays short
WRAP = 420  # text in the right column (480 px less the scroll bar and the margins)
HEAD_WRAP = 440  # text above and below the checklist: no scroll bar beside it
ROW_GAP = 4  # above each material
SUMMARY_WIDTH = 330  # the fee's one line, beside its 明细 button


class FormActions(Protocol):
    """What the side panel asks of its form."""

    def print_notice(self) -> None: ...

    def attach(self, material_code: str) -> None: ...

    def material_toggled(self, code: str, provided: bool) -> None: ...

    def remove_scan(self, key: str) -> None: ...


def load_scan(path: Path, material_code: str) -> ScanDraft:
    """Read and check one file, and make its thumbnail (worker thread). ValueError says what is wrong."""
    data = path.read_bytes()
    media, problem = check_scan(path.name, data)
    if media is None:
        raise ValueError(problem)
    return ScanDraft(material_code, path.name, media, data, thumbnail(data, media))


def thumbnail(data: bytes, media: str) -> Any:
    import io

    from PIL import Image, ImageDraw

    if media == "application/pdf":
        image = Image.new("RGB", THUMB, "#FFFFFF")
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, THUMB[0] - 1, THUMB[1] - 1), outline="#9AA4B2", width=2)
        draw.rectangle((6, 28, THUMB[0] - 6, 48), fill="#B3261E")
        draw.text((16, 32), "PDF", fill="#FFFFFF")
        return image
    with Image.open(io.BytesIO(data)) as source:
        source.draft("RGB", (THUMB[0] * 2, THUMB[1] * 2))  # JPEG: decode small, fast
        image = source.convert("RGB")
    image.thumbnail(THUMB)
    return image


class SidePanel(ctk.CTkFrame):  # type: ignore[misc]
    """Four parts in one column, sized for 1366×768: the fee, fixed at the top (the clerk tells
    the applicant the amount while ticking materials, so it never scrolls away) and compact —
    the amount, one line of breakdown, the full decomposition under 明细 on demand; the
    checklist's heading, fixed too, so it never slides under the fee; the checklist, which
    alone scrolls, and only as far as the focused material needs; and the one-time notice of
    what is missing with its print button, fixed at the bottom and gone once nothing is
    missing."""

    def __init__(self, parent: Any, screen: FormActions, model: FormModel) -> None:
        super().__init__(parent, fg_color=theme.PANEL, corner_radius=0)
        self.screen, self.model = screen, model
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        self.fee = ctk.CTkFrame(self, fg_color=theme.INFO_BG, corner_radius=8)
        if model.item.fee_kind is not None:
            self.fee.grid(row=0, column=0, sticky="ew", padx=6, pady=(6, 2))
            self.fee.grid_columnconfigure(0, weight=1)
        self.fee_total = label(self.fee, "", bold=True, size=22)
        self.fee_total.grid(row=0, column=0, sticky="w", padx=10, pady=(2, 0))
        self.fee_title = label(self.fee, "缴费金额（确认前告知申请人）", muted=True, size=theme.MIN_PX)
        self.fee_title.grid(row=0, column=0, columnspan=2, sticky="e", padx=10, pady=(2, 0))
        self.fee_summary = label(self.fee, "", muted=True, size=theme.MIN_PX, wrap=SUMMARY_WIDTH)
        self.fee_summary.grid(row=1, column=0, sticky="w", padx=10, pady=(0, 4))
        self.fee_toggle = button(
            self.fee,
            "明细 ▾",
            self.toggle_fee,
            kind="secondary",
            width=80,
            height=28,
            font=theme.font(theme.SMALL),
        )
        self.fee_toggle.grid(row=1, column=1, sticky="e", padx=10, pady=(0, 4))
        self.fee_open = False  # the decomposition, shown on demand (明细)
        self.fee_lines = ctk.CTkFrame(self.fee, fg_color="transparent")
        self.fee_lines.grid(row=2, column=0, columnspan=2, sticky="ew", padx=10, pady=(0, 6))
        self.fee_lines.grid_columnconfigure(2, minsize=24)
        self.fee_lines.grid_remove()
        self.head = ctk.CTkFrame(self, fg_color=theme.PANEL, corner_radius=0)
        self.head.grid(row=1, column=0, sticky="ew")
        self.head.grid_columnconfigure(0, weight=1)
        self.heading = label(self.head, "材料清单（一次性告知）", bold=True)
        self.heading.grid(row=0, column=0, sticky="w", padx=10, pady=(4, 0))
        self.notice_button = button(  # beside the heading: the notice is this checklist, printed
            self.head,
            "打印一次性告知单",
            screen.print_notice,
            kind="secondary",
            width=160,
            height=30,
            font=theme.font(theme.SMALL),
        )
        self.notice_button.grid(row=0, column=1, sticky="e", padx=(4, 22), pady=(4, 0))
        self.hint = label(
            self.head,
            "收到原件后勾选；扫描件限 JPG、PNG、PDF，10 MB 以内。",
            muted=True,
            size=theme.MIN_PX,
            wrap=HEAD_WRAP,
        )
        self.hint.grid(row=1, column=0, columnspan=2, sticky="w", padx=10)
        self.list = ScrollFrame(self, fg_color=theme.PANEL, corner_radius=0)
        self.list.grid(row=2, column=0, sticky="nsew")
        body = self.list.inner
        body.grid_columnconfigure(0, weight=1)
        self.rows = ctk.CTkFrame(body, fg_color="transparent")
        self.rows.grid(row=0, column=0, sticky="ew", padx=6, pady=(0, 4))
        self.rows.grid_columnconfigure(0, weight=1)
        self.vars: dict[str, tk.BooleanVar] = {}
        self.boxes: dict[str, ctk.CTkCheckBox] = {}
        self.notes: dict[str, ctk.CTkLabel] = {}
        self.thumbs: dict[str, ctk.CTkFrame] = {}
        self.attach_buttons: dict[str, ctk.CTkButton] = {}
        self.material_rows: dict[str, ctk.CTkFrame] = {}
        self._images: list[Any] = []
        for n, m in enumerate(model.item.materials):
            self._material(n, m.code, m.name)
        if not model.item.materials:
            label(self.rows, "本事项不需要提交材料。", muted=True).grid(
                row=0, column=0, sticky="w", padx=4, pady=4
            )
        self.notice = ctk.CTkFrame(self, fg_color=theme.WARNING_BG, corner_radius=8)
        self.notice.grid(row=3, column=0, sticky="ew", padx=6, pady=(2, 6))
        self.notice.grid_columnconfigure(0, weight=1)
        self.missing = label(self.notice, "", size=theme.MIN_PX, wrap=HEAD_WRAP)
        self.missing.grid(row=0, column=0, sticky="w", padx=10, pady=4)

    def _material(self, n: int, code: str, name: str) -> None:
        """One material as one frame (box, scan button, note, thumbnails): the unit the list
        scrolls to show."""
        row = ctk.CTkFrame(self.rows, fg_color="transparent", corner_radius=0)
        row.grid(row=n, column=0, sticky="ew", pady=(ROW_GAP, 0))
        row.grid_columnconfigure(0, weight=1)
        self.material_rows[code] = row
        var = tk.BooleanVar(value=code in self.model.all_provided())
        self.vars[code] = var
        box = checkbox(row, name, var, command=partial(self._toggled, code))
        box.grid(row=0, column=0, sticky="w", padx=4)
        self.boxes[code] = box
        attach = button(
            row,
            "添加扫描件",
            partial(self.screen.attach, code),
            kind="secondary",
            width=110,
            height=30,
            font=theme.font(theme.SMALL),
        )
        attach.grid(row=0, column=1, sticky="e", padx=4)
        self.attach_buttons[code] = attach
        note = label(row, "", muted=True, size=theme.MIN_PX, wrap=WRAP - 30)
        note.configure(height=22)  # one line of text, not a 28 px button's height
        note.grid(row=1, column=0, columnspan=2, sticky="w", padx=36)
        self.notes[code] = note
        strip = ctk.CTkFrame(row, fg_color="transparent", width=0, height=0)
        strip.grid(row=2, column=0, columnspan=2, sticky="w", padx=32)
        strip.grid_remove()  # an empty strip takes no room (a CTkFrame is 200×200 by default)
        self.thumbs[code] = strip

    def see(self, widget: tk.Misc) -> None:
        """Scroll the checklist just enough to show the material ``widget`` is in (its note and
        thumbnails too), or as much of it as the list has room for, its top first. The frames
        around a check box hear of the focus too (Tk tells a focused widget's ancestors): they
        move nothing."""
        row = next((r for r in self.material_rows.values() if str(widget).startswith(f"{r}.")), None)
        if row is None:
            return
        canvas = self.list.canvas
        self.update_idletasks()
        total = max(1, self.list.inner.winfo_height())
        top = max(0, row.winfo_rooty() - self.list.inner.winfo_rooty() - ROW_GAP)  # the gap above it too
        bottom = row.winfo_rooty() - self.list.inner.winfo_rooty() + row.winfo_height()
        view_top = canvas.yview()[0] * total
        height = canvas.winfo_height()
        if top < view_top or bottom - top > height:
            canvas.yview_moveto(top / total)
        elif bottom > view_top + height:
            canvas.yview_moveto((bottom - height) / total)

    def toggle_fee(self) -> None:
        """明细: the whole decomposition of the fee, or back to its one line."""
        self.fee_open = not self.fee_open
        self.fee_toggle.configure(text="收起 ▴" if self.fee_open else "明细 ▾")
        if self.fee_open:
            self.fee_lines.grid()
        else:
            self.fee_lines.grid_remove()

    def _toggled(self, code: str) -> None:
        self.screen.material_toggled(code, self.vars[code].get())

    def refresh(self, verdict: Verdict) -> None:
        rows = self.model.materials(verdict)
        for row in rows:
            self.vars[row.code].set(row.provided)
            box = self.boxes[row.code]
            box.configure(
                state="disabled" if row.locked else "normal",
                text_color=theme.TEXT if row.needed else theme.MUTED,
            )
            status = "已收" if row.provided else ("还缺" if row.needed else "本次不需要")
            parts = (
                [status]
                + ([row.note] if row.note else [])
                + ([f"扫描件 {row.scans} 份"] if row.scans else [])
            )
            self.notes[row.code].configure(
                text="；".join(parts),
                text_color=theme.DANGER if row.needed and not row.provided else theme.MUTED,
            )
        if verdict.missing:
            names = "、".join(m.name for m in verdict.missing)
            self.missing.configure(
                text=f"还缺 {len(verdict.missing)} 项材料：{names}。",
                text_color=theme.DANGER,
            )
            self.notice.configure(fg_color=theme.WARNING_BG)
            self.notice_button.grid()
        else:
            self.missing.configure(text="✔ 所需材料已齐全。", text_color=theme.SUCCESS)
            self.notice.configure(fg_color="transparent")
            self.notice_button.grid_remove()
        self._fee(verdict)

    def show_scans(self) -> None:
        self._images.clear()
        for code, strip in self.thumbs.items():
            for child in strip.winfo_children():
                child.destroy()
            scans = [s for s in self.model.scans if s.material_code == code]
            for n, scan in enumerate(scans):
                self._thumb(strip, n, scan)
            if scans:
                strip.grid()
            else:
                strip.grid_remove()

    def _thumb(self, strip: ctk.CTkFrame, n: int, scan: ScanDraft) -> None:
        """A small picture with its kind and size and 移除 beside it: one short line of room."""
        cell = ctk.CTkFrame(strip, fg_color="transparent")
        cell.grid(row=0, column=n, padx=(0, 10), pady=2)
        if scan.thumbnail is not None:
            image = ctk.CTkImage(light_image=scan.thumbnail, size=scan.thumbnail.size)
            self._images.append(image)
            ctk.CTkLabel(cell, image=image, text="", font=theme.font()).grid(
                row=0, column=0, rowspan=2, padx=(0, 6)
            )
        caption = f"{MEDIA_NAMES.get(scan.media_type, '')} {scan.size_text}"
        label(cell, caption, muted=True, size=theme.MIN_PX).grid(row=0, column=1, sticky="sw")
        remove: Callable[[], None] = partial(self.screen.remove_scan, scan.key)
        button(
            cell, "移除", remove, kind="secondary", width=60, height=28, font=theme.font(theme.SMALL)
        ).grid(row=1, column=1, sticky="nw")

    def _fee(self, verdict: Verdict) -> None:
        for child in self.fee_lines.winfo_children():
            child.destroy()
        preview = verdict.fee
        if self.model.item.fee_kind is None:
            return
        self.fee_toggle.grid_remove()
        self.fee_lines.grid_remove()
        if preview is None:
            self.fee_total.configure(text="本次不收费")
            self.fee_summary.configure(text="")
            return
        if preview.fee is None:  # why not yet, whole and as wide as the box: it says what to correct
            self.fee_total.configure(text="待计算")
            self.fee_summary.configure(text=preview.message, wraplength=HEAD_WRAP - 10)
            self.fee_summary.grid(columnspan=2)
            return
        fee = preview.fee
        self.fee_total.configure(text=f"应缴 {fee['collected']} 元")
        self.fee_summary.configure(text=self._one_line(fee), wraplength=SUMMARY_WIDTH)
        self.fee_summary.grid(columnspan=1)
        self.fee_toggle.grid()
        if self.fee_open:
            self.fee_lines.grid()
        months = len(fee["by_month"])
        period = ("缴费月数", f"{months} 个月") if months > 1 else ("缴费期", next(iter(fee["by_month"]), ""))
        left = [*fee["by_insurance"].items(), period]
        right = [*fee["by_payer"].items(), *fee["by_account"].items()]
        for column, lines in ((0, left), (3, right)):
            for n, (key, value) in enumerate(lines):
                label(self.fee_lines, key, size=theme.MIN_PX).grid(row=n, column=column, sticky="w")
                shown = f"{value} 元" if value and "." in value else value
                label(self.fee_lines, shown, size=theme.MIN_PX).grid(
                    row=n, column=column + 1, sticky="e", padx=(8, 0)
                )

    def _one_line(self, fee: Mapping[str, Any]) -> str:
        measure = cast("tkfont.Font", theme.font(theme.MIN_PX)).measure
        return fee_line(fee, lambda text: measure(text) <= SUMMARY_WIDTH)


def fee_line(fee: Mapping[str, Any], fits: Callable[[str], bool]) -> str:
    """The fee's breakdown in one line that ``fits``: who pays what when the government adds a
    subsidy (the applicant pays less than is credited), else what each insurance gets; the
    period first if there is room. An amount is never cut: what does not fit is left to 明细."""
    months = len(fee["by_month"])
    period = f"{months} 个月" if months > 1 else str(next(iter(fee["by_month"]), ""))
    parts = [
        f"{k} {v} 元"
        for k, v in (fee["by_payer"] if len(fee["by_payer"]) > 1 else fee["by_insurance"]).items()
    ]
    whole = "，".join(parts)
    for text in (f"{period} · {whole}" if period else whole, whole):
        if fits(text):
            return text
    for n in range(len(parts) - 1, 0, -1):
        text = f"{'，'.join(parts[:n])} 等 {len(parts)} 项"
        if fits(text):
            return text
    return f"{len(parts)} 项，见明细"
