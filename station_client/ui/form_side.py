"""The right side of the form: the materials checklist with scans and thumbnails, the
printable 一次性告知单, and the fee with its decomposition."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import customtkinter as ctk

from station_client.ui import theme
from station_client.ui.viewmodels.form import MEDIA_NAMES, FormModel, ScanDraft, Verdict, check_scan
from station_client.ui.widgets import ScrollFrame, button, checkbox, label

THUMB = (60, 76)
WRAP = 420  # text in the right column (480 px less the scroll bar and the margins)


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
    """Three parts in one column: the fee, fixed at the top (the clerk tells the applicant the
    amount while ticking materials, so it never scrolls away); the checklist, which scrolls on
    its own; and the one-time notice of what is missing with its print button, fixed at the
    bottom and gone once nothing is missing."""

    def __init__(self, parent: Any, screen: FormActions, model: FormModel) -> None:
        super().__init__(parent, fg_color=theme.PANEL, corner_radius=0)
        self.screen, self.model = screen, model
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        self.fee = ctk.CTkFrame(self, fg_color=theme.INFO_BG, corner_radius=8)
        if model.item.fee_kind is not None:
            self.fee.grid(row=0, column=0, sticky="ew", padx=6, pady=(6, 4))
            self.fee.grid_columnconfigure(1, weight=1)
        # Compact, so the checklist below keeps its room at 1366×768: the amount and its title on
        # one line, the decomposition in two columns (by insurance | by payer and account).
        self.fee_total = label(self.fee, "", bold=True, size=theme.TITLE)
        self.fee_total.grid(row=0, column=0, sticky="w", padx=10, pady=(4, 0))
        self.fee_title = label(self.fee, "缴费金额（确认前告知申请人）", muted=True, size=theme.MIN_PX)
        self.fee_title.grid(row=0, column=1, sticky="e", padx=10, pady=(4, 0))
        self.fee_lines = ctk.CTkFrame(self.fee, fg_color="transparent")
        self.fee_lines.grid(row=1, column=0, columnspan=2, sticky="ew", padx=10, pady=(0, 6))
        self.fee_lines.grid_columnconfigure(2, minsize=24)
        self.list = ScrollFrame(self, fg_color=theme.PANEL, corner_radius=0)
        self.list.grid(row=1, column=0, sticky="nsew")
        body = self.list.inner
        body.grid_columnconfigure(0, weight=1)
        label(body, "材料清单（一次性告知）", bold=True, size=20).grid(
            row=0, column=0, sticky="w", padx=10, pady=(6, 2)
        )
        label(
            body,
            "收到原件后勾选；可为每项材料添加扫描件（JPG、PNG、PDF，每个不超过 10 MB）。",
            muted=True,
            size=theme.MIN_PX,
            wrap=WRAP,
        ).grid(row=1, column=0, sticky="w", padx=10)
        self.rows = ctk.CTkFrame(body, fg_color="transparent")
        self.rows.grid(row=2, column=0, sticky="ew", padx=6, pady=(0, 8))
        self.rows.grid_columnconfigure(0, weight=1)
        self.vars: dict[str, tk.BooleanVar] = {}
        self.boxes: dict[str, ctk.CTkCheckBox] = {}
        self.notes: dict[str, ctk.CTkLabel] = {}
        self.thumbs: dict[str, ctk.CTkFrame] = {}
        self.attach_buttons: dict[str, ctk.CTkButton] = {}
        self._images: list[Any] = []
        for n, m in enumerate(model.item.materials):
            self._material(n, m.code, m.name)
        if not model.item.materials:
            label(self.rows, "本事项不需要提交材料。", muted=True).grid(
                row=0, column=0, sticky="w", padx=4, pady=4
            )
        self.notice = ctk.CTkFrame(self, fg_color=theme.WARNING_BG, corner_radius=8)
        self.notice.grid(row=2, column=0, sticky="ew", padx=6, pady=(4, 6))
        self.notice.grid_columnconfigure(0, weight=1)
        self.missing = label(self.notice, "", size=theme.MIN_PX, wrap=WRAP)
        self.missing.grid(row=0, column=0, sticky="w", padx=10, pady=(4, 2))
        self.notice_button = button(
            self.notice, "打印一次性告知单", screen.print_notice, kind="secondary", width=200, height=34
        )
        self.notice_button.grid(row=1, column=0, sticky="w", padx=10, pady=(0, 6))

    def _material(self, n: int, code: str, name: str) -> None:
        var = tk.BooleanVar(value=code in self.model.all_provided())
        self.vars[code] = var
        box = checkbox(self.rows, name, var, command=partial(self._toggled, code))
        box.grid(row=n * 3, column=0, sticky="w", padx=4, pady=(8, 0))
        self.boxes[code] = box
        attach = button(
            self.rows,
            "添加扫描件",
            partial(self.screen.attach, code),
            kind="secondary",
            width=120,
            height=32,
        )
        attach.grid(row=n * 3, column=1, sticky="e", padx=4, pady=(8, 0))
        self.attach_buttons[code] = attach
        note = label(self.rows, "", muted=True, size=theme.MIN_PX, wrap=WRAP - 30)
        note.grid(row=n * 3 + 1, column=0, columnspan=2, sticky="w", padx=36)
        self.notes[code] = note
        strip = ctk.CTkFrame(self.rows, fg_color="transparent", width=0, height=0)
        strip.grid(row=n * 3 + 2, column=0, columnspan=2, sticky="w", padx=32)
        strip.grid_remove()  # an empty strip takes no room (a CTkFrame is 200×200 by default)
        self.thumbs[code] = strip

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
        cell = ctk.CTkFrame(strip, fg_color="transparent")
        cell.grid(row=0, column=n, padx=(0, 6), pady=2)
        if scan.thumbnail is not None:
            image = ctk.CTkImage(light_image=scan.thumbnail, size=scan.thumbnail.size)
            self._images.append(image)
            ctk.CTkLabel(cell, image=image, text="", font=theme.font()).grid(row=0, column=0)
        caption = f"{MEDIA_NAMES.get(scan.media_type, '')} {scan.size_text}"
        label(cell, caption, muted=True, size=theme.MIN_PX).grid(row=1, column=0)
        remove: Callable[[], None] = partial(self.screen.remove_scan, scan.key)
        button(cell, "移除", remove, kind="secondary", width=60, height=28).grid(row=2, column=0)

    def _fee(self, verdict: Verdict) -> None:
        for child in self.fee_lines.winfo_children():
            child.destroy()
        preview = verdict.fee
        if self.model.item.fee_kind is None:
            return
        if preview is None:
            self.fee_total.configure(text="本次不收费")
            return
        if preview.fee is None:
            self.fee_total.configure(text="待计算")
            label(self.fee_lines, preview.message, size=theme.MIN_PX, wrap=420, muted=True).grid(
                row=0, column=0, sticky="w"
            )
            return
        fee = preview.fee
        self.fee_total.configure(text=f"应缴 {fee['collected']} 元")
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
