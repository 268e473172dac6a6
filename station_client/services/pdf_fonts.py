"""Finding a Chinese font for receipt PDFs on the station PC (Windows) or Debian.

fpdf2 embeds TrueType/OpenType fonts, including one face of a collection (``.ttc``), so
the fonts Windows ships (黑体 simhei.ttf, 微软雅黑 msyh.ttc, 宋体 simsun.ttc) and
Debian's (Noto Sans CJK, WenQuanYi Micro Hei) all work. ``SSB_PDF_FONT`` names another
file. For a collection the face is chosen by name (the Simplified-Chinese one: "SC",
"GB" or a Chinese family name), read with fontTools (an fpdf2 dependency).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from station_client.services.errors import ServiceError

FONT_ENV = "SSB_PDF_FONT"


@dataclass(frozen=True, slots=True)
class PdfFont:
    path: Path
    index: int = 0  # the face within a collection (.ttc)


def _windows_fonts() -> list[Path]:
    root = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [root / n for n in ("simhei.ttf", "msyh.ttc", "msyh.ttf", "simsun.ttc", "simkai.ttf", "Deng.ttf")]


_UNIX_FONTS = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/System/Library/Fonts/PingFang.ttc"),
]


def candidates() -> list[Path]:
    """Files to try, best first."""
    found = [Path(os.environ[FONT_ENV])] if os.environ.get(FONT_ENV) else []
    return found + (_windows_fonts() if sys.platform == "win32" else []) + _UNIX_FONTS


def _simplified_face(path: Path) -> int:
    """The index of the Simplified-Chinese face of a collection (0 when unsure)."""
    from fontTools.ttLib import TTCollection

    try:
        collection = TTCollection(str(path), lazy=True)
    except Exception:  # an unreadable collection: let fpdf2 report it with the first face
        return 0
    try:
        for index, font in enumerate(collection.fonts):
            name = font["name"]
            family = str(name.getDebugName(1) or "")
            if family.endswith((" SC", "SC")) or " GB" in family or "Micro Hei" in family:
                return index
            if any(ord(ch) > 0x3000 for ch in family):
                return index
    finally:
        collection.close()
    return 0


@functools.cache
def find_font() -> PdfFont:
    """The first usable Chinese font; ServiceError with what to install when there is none."""
    for path in candidates():
        if path.is_file():
            index = _simplified_face(path) if path.suffix.lower() == ".ttc" else 0
            return PdfFont(path, index)
    raise ServiceError(
        "pdf_font_missing",
        "本机没有可用于打印的中文字体，回执无法生成：Windows 请确认 C:\\Windows\\Fonts 中有黑体或微软雅黑；"
        "Linux 请安装 fonts-noto-cjk 或 fonts-wqy-microhei 软件包，或用环境变量 SSB_PDF_FONT 指定字体文件。",
    )
