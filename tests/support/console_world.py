"""What the console's browser tests and the screenshot script share.

* Debian's Chromium, driven by Playwright, trusting exactly our server certificate:
  Chromium takes no CA file, so it is started with ``--ignore-certificate-errors-spki-list``
  naming the SHA-256 of the server certificate's public key (SPKI). Any other certificate
  is still refused; ``ignore_https_errors`` is never used.
* A station's side of the wire: scans rendered as images and PDFs, uploaded on the signed,
  chunked attachment path; complex cases pushed with them; signed pulls.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema.cases import AttachmentRef
from schema.protocol import CHUNK_SIZE, CaseAcceptOp
from schema.signing import sign_request
from tests.support.factories import Station, accept_op, push

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def spki_pin(cert_pem: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a certificate: what Chromium's pin list takes."""
    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def chromium_args(cert_pem: Path) -> list[str]:
    return [*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki_pin(cert_pem)}"]


# ---- scans ------------------------------------------------------------------------------------


def scan_png(title: str, lines: Sequence[str], *, size: tuple[int, int] = (900, 600)) -> bytes:
    """A document as a scanner would deliver it: off-white paper, a frame, Chinese text."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, (246, 243, 234))
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.truetype(CJK_FONT, 40), ImageFont.truetype(CJK_FONT, 26)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(90, 90, 90), width=3)
    draw.text((60, 50), title, font=big, fill=(20, 20, 20))
    for n, line in enumerate(lines):
        draw.text((60, 130 + n * 48), line, font=small, fill=(40, 40, 40))
    draw.ellipse((size[0] - 230, size[1] - 210, size[0] - 70, size[1] - 50), outline=(190, 30, 30), width=5)
    draw.text((size[0] - 205, size[1] - 145), "乐山市社保", font=small, fill=(190, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def scan_pdf(png: bytes) -> bytes:
    """A one-page PDF holding a scanned page."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.image(io.BytesIO(png), x=10, y=10, w=190)
    return bytes(pdf.output())


def upload(client: httpx.Client, station: Station, data: bytes, media_type: str) -> str:
    """Upload a scan on the signed, resumable path, chunk by chunk; its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    for offset in range(0, len(data), CHUNK_SIZE):
        chunk = data[offset : offset + CHUNK_SIZE]
        url = httpx.URL(f"/api/v1/attachments/{sha}", params={"offset": offset})
        headers = {
            "X-Attachment-Size": str(len(data)),
            "Content-Type": media_type,
            **sign_request(station.key, "PUT", url.raw_path.decode(), chunk, station.id),
        }
        answer = client.put(str(url), content=chunk, headers=headers)
        answer.raise_for_status()
    return sha


def with_scans(
    client: httpx.Client, station: Station, op: CaseAcceptOp, scans: Sequence[tuple[str, str, bytes, str]]
) -> CaseAcceptOp:
    """The operation with its scans uploaded and referenced: (material, filename, bytes, type)."""
    refs = tuple(
        AttachmentRef(
            sha256=upload(client, station, data, media), size=len(data), media_type=media,
            filename=filename, material_code=material,
        )
        for material, filename, data, media in scans
    )  # fmt: skip
    return op.model_copy(update={"payload": op.payload.model_copy(update={"attachments": refs})})


def by_clerk(op: CaseAcceptOp, clerk: str) -> CaseAcceptOp:
    return op.model_copy(update={"payload": op.payload.model_copy(update={"clerk": clerk})})


def retirement_case(
    client: httpx.Client, station: Station, *, clerk: str, name: str = "王建华", **kw: Any
) -> CaseAcceptOp:
    """A C019 retirement application (养老保险科) with an ID-card image and a PDF form."""
    card = scan_png(
        "居民身份证（复印件）",
        [f"姓名：{name}", "性别：男　民族：汉", "住址：四川省乐山市市中区", "公民身份号码：（略）"],
    )
    form = scan_png(
        "职工退休审批表",
        ["单位：乐山市某机械厂", "参加工作时间：1990年7月", "本人签字：" + name, "经办人：前台综合柜员"],
    )
    op = by_clerk(accept_op(station, "C019", name=name, **kw), clerk)
    return with_scans(
        client,
        station,
        op,
        [
            ("id_card", "身份证.png", card, "image/png"),
            ("retirement_form", "退休审批表.pdf", scan_pdf(form), "application/pdf"),
        ],
    )


def push_ops(client: httpx.Client, station: Station, ops: Sequence[CaseAcceptOp]) -> list[dict[str, Any]]:
    answer = push(client, station, ops)  # type: ignore[arg-type]
    answer.raise_for_status()
    results: list[dict[str, Any]] = answer.json()["results"]
    refused = [r for r in results if r["status"] != "applied"]
    assert not refused, refused
    return results


def pull_all(
    client: httpx.Client, station: Station, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after ``cursor`` (signed POST /api/v1/pull), and the new cursor."""
    changes: list[dict[str, Any]] = []
    for _ in range(500):
        body = json.dumps({"cursor": cursor, "limit": 500}).encode()
        headers = sign_request(station.key, "POST", "/api/v1/pull", body, station.id)
        page = client.post(
            "/api/v1/pull", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        page.raise_for_status()
        data = page.json()
        changes.extend(data["changes"])
        cursor = data["next_cursor"]
        if not data["has_more"]:
            return changes, cursor
    raise AssertionError("the feed did not end")


def pull_until(
    client: httpx.Client,
    station: Station,
    cursor: str | None,
    wanted: Callable[[list[dict[str, Any]]], bool],
    *,
    seconds: float = 30,
) -> list[dict[str, Any]]:
    """Pull again, like a station, until ``wanted(changes so far)``. On PostgreSQL the feed
    serves only rows older than every transaction still running on the server (another
    session's, another test's), so a fresh decision may take a moment to become visible."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while True:
        changes, cursor = pull_all(client, station, cursor)
        seen += changes
        if wanted(seen):
            return seen
        assert time.monotonic() < deadline, "the feed did not catch up"
        time.sleep(0.05)
