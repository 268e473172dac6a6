"""PDFs for the desk: rendering receipts on the worker thread, and opening them to print."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlite_utils import Database

from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths


def open_document(path: Path) -> None:
    """Open a PDF in the PC's viewer, where the clerk prints it (OSError when there is none)."""
    if sys.platform == "win32":
        import os

        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(path)])  # noqa: S603, S607
    else:
        subprocess.Popen(["xdg-open", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603, S607


def render_receipts(dek: DataKey, paths: StationPaths, numbers: list[str], db: Database) -> list[Path]:
    """A job for the worker thread: each receipt rendered (signed QR code) and written to exports/."""
    from station_client.services import receipt_pdf

    out = []
    for number in numbers:
        printable = receipt_pdf.receipt_pdf(db, dek, number)
        out.append(receipt_pdf.export(paths, number, printable.pdf))
    return out
