"""Finding a person in the township's registry slice as a clerk types it: an ID number
(full-width digits, spaces, an old 15-digit number), the exact name, part of a name, or
its pinyin (full ``wangjianguo`` or initials ``wjg``).

An ID number and an exact name go through the keyed indexes (one probe each). Part of a
name or its pinyin cannot: names are sealed, so the slice is opened record by record and
each name scored as the item search scores item names (``core.pinyin_search.score``).
For 5,000 persons that is ~0.3 s by part of a name, ~1.5 s by pinyin (pypinyin's
dictionary loaded first): a command's wait, not a keystroke's.
"""

from __future__ import annotations

import re
from datetime import date

from sqlite_utils import Database

from schema.identifiers import parse_resident_id
from schema.normalize import clean_text, compact_code
from schema.records import PersonRecord
from station_client.core.pinyin_search import Entry, normalise_query, reading, score
from station_client.crypto.keys import DataKey
from station_client.services.errors import ServiceError
from station_client.store import registry

# Digits (an X at the end): meant as an ID number, checked as one (its reason shown when wrong).
_ID_LIKE = re.compile(r"[0-9]+X?")


def looks_like_id(text: str) -> bool:
    return bool(_ID_LIKE.fullmatch(compact_code(text)))


def search(db: Database, dek: DataKey, query: str, *, today: date, limit: int = 20) -> list[PersonRecord]:
    """Persons answering ``query``, best first (at most ``limit``); [] when none.

    An invalid ID number raises schema's IdentifierError with its Chinese reason.
    """
    text = clean_text(query)
    if not text:
        raise ServiceError(
            "person_query_empty", "请输入要查找的公民身份号码、姓名或姓名拼音（如 wjg 或 wangjianguo）。"
        )
    if looks_like_id(text):
        found = registry.get_person(db, dek, parse_resident_id(text, today=today).number)
        return [] if found is None else [found]
    exact = registry.find_by_name(db, dek, text, limit=limit)
    if exact:
        return exact
    wanted = normalise_query(text)
    pinyin = wanted.isascii()
    scored: list[tuple[int, int, PersonRecord]] = []
    for order, record in enumerate(registry.each_person(db, dek)):
        full, initials = reading(record.name) if pinyin else ("", "")
        points = score(Entry(record.id_number, record.name, full, initials, order), wanted)
        if points:
            scored.append((-points, order, record))
    scored.sort(key=lambda hit: hit[:2])
    return [record for _, _, record in scored[:limit]]
