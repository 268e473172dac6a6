"""Effects on social security cards (社保卡): applied, in production, active, lost, cancelled. Pure.

A person has at most one card not cancelled; ``applied`` opens a new one when none is
current. A step the card's state makes pointless (activating a cancelled card) changes
nothing rather than inventing a state.
"""

from __future__ import annotations

import re

from schema.person_records import Card, CardStatus
from schema.record_changes import CardStatusChanged, RecordChange
from sync_server.core.effects.case import EffectCase

_CARD_NUMBER = re.compile(r"[0-9A-Z]{6,20}")
_LOSS = {"temporary": CardStatus.TEMP_LOST, "formal": CardStatus.LOST, "release": CardStatus.ACTIVE}
_OPEN = (
    CardStatus.APPLIED,
    CardStatus.IN_PRODUCTION,
    CardStatus.ACTIVE,
    CardStatus.TEMP_LOST,
    CardStatus.LOST,
)


def _bank(c: EffectCase, field: str) -> str | None:
    value, form_field = c.text(field), c.item.field(field)
    return (form_field.choice_label(value) or value) if value and form_field is not None else value


def card_status(c: EffectCase) -> list[RecordChange]:
    """G15 G16 G19 G20 G21 G22 G23 C091 C092."""
    records = c.records()
    who = records.person.id_number
    card: Card | None = records.current_card()
    code = c.item.code
    number = c.text("card_number")
    number = number.upper() if number and _CARD_NUMBER.fullmatch(number.upper()) else None

    def to(status: CardStatus, **more: str | None) -> CardStatusChanged:
        return CardStatusChanged(id_number=who, status=status, **more)

    if code == "G15":  # 申领: a new card, unless one is already on its way or in use
        return [] if card is not None else [to(CardStatus.APPLIED, bank_name=_bank(c, "service_bank"))]
    if card is None:
        return []
    if code == "G16" and card.status in (CardStatus.APPLIED, CardStatus.IN_PRODUCTION):
        return [to(CardStatus.ACTIVE, card_number=number or card.card_number)]
    if code == "G20":
        wanted = _LOSS.get(c.text("report_kind") or "")
        if wanted is CardStatus.ACTIVE and card.status not in (CardStatus.TEMP_LOST, CardStatus.LOST):
            return []
        return [to(wanted)] if wanted is not None and wanted != card.status else []
    if code == "G22" or (code == "C091" and c.text("direction") == "out"):
        return [to(CardStatus.CANCELLED)]
    if code == "G23" and card.status is CardStatus.APPLIED:  # a temporary card while the card is made
        return [to(CardStatus.IN_PRODUCTION)]
    if code in ("G21", "C092"):  # 补领/换领/换发, or a new service bank: the old card ends, a new one is made
        bank = _bank(c, "new_bank") if code == "C092" else card.bank_name
        return [to(CardStatus.CANCELLED), to(CardStatus.APPLIED, bank_name=bank)]
    return []  # G19 (password), C091 in: the card's state does not change
