"""Breaking a line of Chinese text to a width, the way a Chinese reader expects.

Tk's ``wraplength`` breaks only at spaces: a sentence of Chinese with no space in it is
one "word", cut wherever the pixels run out ("P" / "DF", a lone "。" starting a line).
:func:`break_lines` breaks Chinese between any two characters, keeps a run of Latin
letters and digits whole ("PDF", "10", "2025-03"), never starts a line with closing
punctuation (。，、；：？！）」…) and never ends one with opening punctuation (（「“…).
Pure: the width of a piece of text comes from ``measure`` (the label's font on screen,
a character count in tests).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Never at the start of a line (they close or follow what comes before them).
NO_START = frozenset("。，、；：？！）」』】》〉”’…—～·%‰℃,.;:?!)]}>》・ー")
# Never at the end of a line (they open what comes after them).
NO_END = frozenset("（「『【《〈“‘([{<")


def _is_wide(char: str) -> bool:
    """A character that may stand alone on a line's edge (CJK ideographs, kana, full-width forms)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def pieces(text: str) -> list[str]:
    """The unbreakable pieces of one paragraph: a CJK character with the punctuation that may
    not be parted from it, a Latin word (letters, digits and what joins them), a space."""
    units: list[str] = []
    for char in text:
        latin_goes_on = units and units[-1] != " " and not _is_wide(units[-1][-1])
        if char != " " and not _is_wide(char) and latin_goes_on:
            units[-1] += char  # a Latin word (or number) is never cut
        else:
            units.append(char)
    out: list[str] = []
    glue_next = False
    for unit in units:
        if out and (glue_next or (unit[0] in NO_START and out[-1] != " ")):
            out[-1] += unit
        else:
            out.append(unit)
        glue_next = unit[-1] in NO_END
    return out


def _hard_break(piece: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """A piece wider than the line (a long number or path): cut it by characters."""
    lines, line = [], ""
    for char in piece:
        if line and measure(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines no wider than ``width`` (given newlines kept); width <= 0: as it is."""
    if width <= 0:
        return text.split("\n")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for piece in pieces(paragraph):
            size = measure(piece)
            if line and used + size > width:
                lines.append(line.rstrip(" "))
                line, used = "", 0.0
            if not line and piece == " ":
                continue  # a break swallows the space it broke at
            if not line and size > width:
                *full, rest = _hard_break(piece, width, measure)
                lines += full
                line, used = rest, measure(rest)
                continue
            line += piece
            used += size
        lines.append(line.rstrip(" "))
    return lines


def wrap(text: str, width: float, measure: Callable[[str], float]) -> str:
    return "\n".join(break_lines(text, width, measure))
