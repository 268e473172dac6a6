"""A pull page as the server sends it: the feed's changes passed through as the JSON text the
feed holds, not parsed and written again.

A feed row's ``data`` was written as JSON by the server's own writers (``FeedChange`` from
validated records); reading it back into Python values only to serialise them again was
most of the server's CPU a pulled change (parsing JSON in Python, building the ``Change``,
writing it). :class:`ServedPage` keeps those rows as text and writes the page's bytes
around them; :meth:`ServedPage.page` gives the same page as a :class:`PullPage` (tests,
Python callers). ``tests/server/test_pull_feed.py`` checks, for every page its scenarios
serve, that the bytes read as that page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from schema.protocol import Change, ChangeKind, PullPage

__all__ = ["FeedRow", "ServedPage"]

# ``PullPage`` writes ``changes`` first: the page's JSON is this, the changes, then the rest.
_CHANGES_OPEN = '{"changes":['


class FeedRow(NamedTuple):
    """A feed row to serve: its ``data`` is the JSON text the feed holds."""

    kind: str
    key: str
    version: int
    data: str
    deleted: bool

    def change(self) -> Change:
        # The feed holds what our writers made (FeedChange from records): not validated again.
        return Change.model_construct(
            kind=ChangeKind(self.kind),
            key=self.key,
            version=self.version,
            data=json.loads(self.data),
            deleted=self.deleted,
        )

    def json(self) -> str:
        """The row as ``Change.model_dump_json`` writes a change, ``data`` as held."""
        return (
            f'{{"kind":{json.dumps(self.kind)},"key":{json.dumps(self.key, ensure_ascii=False)},'
            f'"version":{int(self.version)},"data":{self.data},"deleted":{"true" if self.deleted else "false"}}}'
        )


@dataclass(frozen=True)
class ServedPage:
    """``head``: every field of the page, its ``changes`` those built for it (a snapshot's
    records, none for a plain feed page); ``feed``: the feed rows that follow them."""

    head: PullPage
    feed: tuple[FeedRow, ...] = ()

    def page(self) -> PullPage:
        """The page as a model, the feed rows parsed."""
        if not self.feed:
            return self.head
        changes = self.head.changes + tuple(row.change() for row in self.feed)
        return self.head.model_copy(update={"changes": changes})

    def to_json(self) -> bytes:
        """The page's JSON, as ``page().model_dump_json()`` writes it (feed data as held)."""
        if not self.feed:
            return self.head.model_dump_json().encode()
        rest = self.head.model_copy(update={"changes": ()}).model_dump_json()
        assert rest.startswith(_CHANGES_OPEN + "]"), rest[:40]  # PullPage's first field
        built = [change.model_dump_json() for change in self.head.changes]
        parts = ",".join([*built, *(row.json() for row in self.feed)])
        return (_CHANGES_OPEN + parts + rest[len(_CHANGES_OPEN) :]).encode()
