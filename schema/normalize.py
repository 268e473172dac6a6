"""Normalisation of text typed through Chinese input methods.

Chinese IMEs often leave full-width characters (``１２３``, ``ＡＢＣ``, the ideographic
space ``\u3000``) in fields; ID-card readers add stray spaces; people type dashes to
group digits. Values are normalised before validation, never rejected for this.
"""

from __future__ import annotations

import unicodedata

_DASHES = "-‐‑‒–—―－﹣"
_SPACES = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b"


# U+FF01..U+FF5E are the ASCII characters U+0021..U+007E shifted by 0xFEE0.
_HALF_WIDTH: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DROP: dict[int, None] = dict.fromkeys(map(ord, _SPACES + _DASHES))


def to_half_width(text: str) -> str:
    """Fold full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space to ASCII.

    Chinese characters and full-width punctuation outside that block are left alone,
    so names such as ``张三`` are unchanged.
    """
    if text.isascii():  # the common case: nothing to fold
        return text
    return text.translate(_HALF_WIDTH)


def compact_code(text: str) -> str:
    """Normalise a code-like value (ID number, USCC, phone, account number).

    Full-width folded to ASCII, NFKC-normalised, every space and dash removed,
    letters upper-cased (a trailing ``x`` in an ID number becomes ``X``).
    """
    if not text.isascii():  # ASCII is already folded and NFKC-normal
        text = unicodedata.normalize("NFKC", to_half_width(text))
    return text.translate(_DROP).upper()


def clean_text(text: str) -> str:
    """Normalise free text (names, addresses): fold full-width ASCII, collapse runs of
    white space to one space and strip the ends. Chinese text is kept as typed."""
    return " ".join(to_half_width(text).split())
