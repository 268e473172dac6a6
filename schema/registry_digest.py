"""The registry digest both sides compute, so a station knows it holds what it should.

The server sends a :class:`~schema.protocol.StationDigest` on the last pull page; the
station builds its own with :func:`station_digest` and starts over when they differ
(docs/design.md §4).

A registry digest is order-independent over (key, version) pairs: the sum of each row's
SHA-256 modulo 2**256. Unlike XOR a row counted twice does not cancel out, and a side
can keep it incrementally (:class:`RegistrySum`: add the new row's hash, subtract the
old one's). The station must: it holds ID numbers only inside encrypted rows, and
re-reading 200,000 of them to check a digest would take seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from schema.protocol import StationDigest

_MOD = 1 << 256


def row_hash(key: str, version: int) -> int:
    """One (key, version) row's share of the digest."""
    return int.from_bytes(hashlib.sha256(f"{key}\x1f{version}".encode()).digest(), "big")


@dataclass(frozen=True)
class RegistrySum:
    """A registry digest kept row by row: ``count`` rows whose hashes sum to ``total``."""

    count: int = 0
    total: int = 0

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int]]) -> RegistrySum:
        # One sum, no object per row: a township's 200,000 persons are summed on every last page.
        return cls().changed(rows, ())

    def add(self, key: str, version: int) -> RegistrySum:
        return RegistrySum(self.count + 1, (self.total + row_hash(key, version)) % _MOD)

    def remove(self, key: str, version: int) -> RegistrySum:
        return RegistrySum(self.count - 1, (self.total - row_hash(key, version)) % _MOD)

    def replace(self, key: str, old: int | None, new: int) -> RegistrySum:
        return (self if old is None else self.remove(key, old)).add(key, new)

    def changed(self, added: Iterable[tuple[str, int]], removed: Iterable[tuple[str, int]]) -> RegistrySum:
        """:meth:`add` each row of ``added`` and :meth:`remove` each of ``removed``, at once."""
        plus = [row_hash(key, version) for key, version in added]
        minus = [row_hash(key, version) for key, version in removed]
        return RegistrySum(self.count + len(plus) - len(minus), (self.total + sum(plus) - sum(minus)) % _MOD)

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"

    def encode(self) -> str:
        """The text a station stores between pulls (:meth:`decode` reads it back)."""
        return f"{self.count}:{self.hex}"

    @classmethod
    def decode(cls, text: str | None) -> RegistrySum:
        if not text:
            return cls()
        count, _, total = text.partition(":")
        return cls(int(count), int(total, 16))


def registry_digest(rows: Iterable[tuple[str, int]]) -> str:
    """Order-independent digest of (key, version) pairs, as 64 hex digits."""
    return RegistrySum.of(rows).hex


def station_digest(
    *,
    catalog_version: str,
    catalog_digest: str,
    rates_digest: str,
    staff: Iterable[tuple[str, int]],
    registry: RegistrySum,
) -> StationDigest:
    """What a station holds: reference digests, staff (username, version) and the registry.

    ``registry`` covers the township's persons and units that are not deleted, keyed by
    ID number and USCC with their versions.
    """
    return StationDigest(
        catalog_version=catalog_version,
        catalog_digest=catalog_digest,
        rates_digest=rates_digest,
        staff_digest=registry_digest(staff),
        registry_count=registry.count,
        registry_digest=registry.hex,
    )
