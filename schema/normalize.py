"""Normalisation of text typed through Chinese input methods.

Chinese IMEs often leave full-width characters (``１２３``, ``ＡＢＣ``, the ideographic
space ``\u3000``) in fields; ID-card readers add stray spaces; people type dashes to
group digits. Values are normalised before validation, never rejected for this.
"""

from __future__ import annotations

import unicodedata

_DASHES = "-‐‑‒–—―－﹣"
_SPACES = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b"


def to_half_width(text: str) -> str:
    """Fold full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space to ASCII.

    Chinese characters and full-width punctuation outside that block are left alone,
    so names such as ``张三`` are unchanged.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def compact_code(text: str) -> str:
    """Normalise a code-like value (ID number, USCC, phone, account number).

    Full-width folded to ASCII, NFKC-normalised, every space and dash removed,
    letters upper-cased (a trailing ``x`` in an ID number becomes ``X``).
    """
    text = unicodedata.normalize("NFKC", to_half_width(text))
    return "".join(ch for ch in text if ch not in _SPACES and ch not in _DASHES).upper()


def clean_text(text: str) -> str:
    """Normalise free text (names, addresses): fold full-width ASCII, collapse runs of
    white space to one space and strip the ends. Chinese text is kept as typed."""
    return " ".join(to_half_width(text).split())
