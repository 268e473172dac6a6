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
from station_client.ui.widgets import button, checkbox, label

THUMB = (60, 76)


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
    def __init__(self, parent: Any, screen: FormActions, model: FormModel) -> None:
        super().__init__(parent, fg_color=theme.PANEL, corner_radius=0)
        self.screen, self.model = screen, model
        self.grid_columnconfigure(0, weight=1)
        self.fee = ctk.CTkFrame(self, fg_color=theme.INFO_BG, corner_radius=8)
        if model.item.fee_kind is not None:
            self.fee.grid(row=0, column=0, sticky="ew", padx=6, pady=(6, 4))
            self.fee.grid_columnconfigure(1, weight=1)
        self.fee_title = label(self.fee, "缴费金额（确认前告知申请人）", bold=True)
        self.fee_title.grid(row=0, column=0, columnspan=2, sticky="w", padx=10, pady=(6, 0))
        self.fee_total = label(self.fee, "", bold=True, size=theme.TITLE)
        self.fee_total.grid(row=1, column=0, columnspan=2, sticky="w", padx=10)
        self.fee_lines = ctk.CTkFrame(self.fee, fg_color="transparent")
        self.fee_lines.grid(row=2, column=0, columnspan=2, sticky="ew", padx=10, pady=(0, 8))
        label(self, "材料清单（一次性告知）", bold=True, size=20).grid(
            row=1, column=0, sticky="w", padx=10, pady=(6, 2)
        )
        label(
            self,
            "收到原件后勾选；可为每项材料添加扫描件（JPG、PNG、PDF，每个不超过 10 MB）。",
            muted=True,
            size=theme.MIN_PX,
            wrap=430,
        ).grid(row=2, column=0, sticky="w", padx=10)
        self.rows = ctk.CTkFrame(self, fg_color="transparent")
        self.rows.grid(row=3, column=0, sticky="ew", padx=6)
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
        self.missing = label(self, "", size=theme.MIN_PX, wrap=430)
        self.missing.grid(row=4, column=0, sticky="w", padx=10, pady=(6, 2))
        self.notice_button = button(
            self, "打印一次性告知单", screen.print_notice, kind="secondary", width=220
        )
        self.notice_button.grid(row=5, column=0, sticky="w", padx=10, pady=(0, 8))

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
        note = label(self.rows, "", muted=True, size=theme.MIN_PX, wrap=420)
        note.grid(row=n * 3 + 1, column=0, columnspan=2, sticky="w", padx=36)
        self.notes[code] = note
        strip = ctk.CTkFrame(self.rows, fg_color="transparent")
        strip.grid(row=n * 3 + 2, column=0, columnspan=2, sticky="w", padx=32)
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
            self.missing.configure(
                text=f"还缺 {len(verdict.missing)} 项材料：{'、'.join(m.name for m in verdict.missing)}",
                text_color=theme.DANGER,
            )
        else:
            self.missing.configure(text="所需材料已齐全。", text_color=theme.SUCCESS)
        self.notice_button.configure(state="normal" if verdict.missing else "disabled")
        self._fee(verdict)

    def show_scans(self) -> None:
        self._images.clear()
        for code, strip in self.thumbs.items():
            for child in strip.winfo_children():
                child.destroy()
            for n, scan in enumerate(s for s in self.model.scans if s.material_code == code):
                self._thumb(strip, n, scan)

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
        lines = [(k, v) for k, v in fee["by_insurance"].items()]
        lines += [(k, v) for k, v in fee["by_payer"].items()]
        lines += [(k, v) for k, v in fee["by_account"].items()]
        months = len(fee["by_month"])
        lines.append(
            (
                "缴费月数" if months > 1 else "缴费期",
                f"{months} 个月" if months > 1 else next(iter(fee["by_month"])),
            )
        )
        for n, (key, value) in enumerate(lines):
            label(self.fee_lines, key, size=theme.MIN_PX).grid(row=n, column=0, sticky="w")
            label(self.fee_lines, f"{value} 元" if value and "." in value else value, size=theme.MIN_PX).grid(
                row=n, column=1, sticky="e", padx=(10, 0)
            )
