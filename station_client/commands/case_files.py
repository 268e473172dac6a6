"""The JSON files a clerk fills in for ``intake`` and ``supplement``: read with a clear
message when malformed (Notepad's BOM is fine, ``-`` is stdin), keys starting with ``_``
dropped (the templates' explanations), scans read from paths next to the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from station_client.commands.common import Failure
from station_client.services.intake import Scan

MEDIA = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def read_case_file(path: str, template_hint: str = "--template") -> dict[str, Any]:
    """The file's object without its ``_`` keys; Failure ``case_file_invalid`` otherwise."""
    stream = click.open_file(path, "r", encoding="utf-8-sig")  # "-" is stdin; BOM from Notepad is fine
    try:
        with stream:
            data = json.load(stream)
    except json.JSONDecodeError as exc:
        raise Failure(
            "case_file_invalid",
            f"案件文件 {path} 不是有效的 JSON（第 {exc.lineno} 行附近）：请按 {template_hint} 输出的格式填写。",
        ) from exc
    if not isinstance(data, dict):
        raise Failure(
            "case_file_invalid", f"案件文件 {path} 应是一个 JSON 对象：请按 {template_hint} 输出的格式填写。"
        )
    return {k: v for k, v in data.items() if not str(k).startswith("_")}


def base_of(path: str) -> Path:
    """Where the file's scan paths are relative to (the working directory for stdin)."""
    return Path(path).parent if path != "-" else Path.cwd()


def read_scans(entries: object, base: Path) -> list[Scan]:
    """``[{"material_code": …, "path": …}]`` read into scans; the type from the extension."""
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Failure(
            "case_file_invalid",
            '案件文件中 scans 应为列表，每项形如 {"material_code": "id_card", "path": "身份证.jpg"}：'
            "请按 --template 的格式填写。",
        )
    scans = []
    for entry in entries:
        path = base / str(entry.get("path", ""))
        media = MEDIA.get(path.suffix.lower())
        if media is None:
            raise Failure(
                "scan_type_unsupported", f"扫描件 {path.name} 的格式不支持：请使用 JPG、PNG 或 PDF 文件。"
            )
        scans.append(Scan(str(entry.get("material_code", "")), media, path.read_bytes()))
    return scans
