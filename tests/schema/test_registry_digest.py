"""The registry digest both sides use: one module, the same value the wire has always carried."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schema.registry_digest import RegistrySum, registry_digest, station_digest

ROWS = [("511102199001010017", 7), ("91511100MA6200000Q", 1)]


@given(
    st.lists(st.tuples(st.text(min_size=1), st.integers(0, 10**9)), unique_by=lambda r: r[0]), st.randoms()
)
def test_registry_digest_does_not_depend_on_order(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert registry_digest(shuffled) == registry_digest(rows)


def test_registry_digest_sees_every_version_and_duplicate():
    assert registry_digest([]) == "0" * 64
    assert registry_digest(ROWS) != registry_digest([ROWS[0], ("91511100MA6200000Q", 2)])
    assert registry_digest([*ROWS, ROWS[0], ROWS[0]]) != registry_digest(ROWS)  # no XOR cancelling


def test_the_digest_keeps_the_value_stations_already_store():
    # Stations keep RegistrySum.encode() in their meta table: the format may not drift.
    assert registry_digest(ROWS) == "4cc4859aa85357c2345c1adff884c1e21d215e8049b91478d62c0f6c4faabb99"
    assert RegistrySum.decode("1:" + registry_digest([("zhangsan", 3)])) == RegistrySum.of([("zhangsan", 3)])


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(1, 5)), max_size=30))
def test_the_running_registry_sum_equals_the_contract_digest_of_what_is_held(changes):
    held: dict[str, int] = {}
    running = RegistrySum()
    for key, version in changes:
        if version == 5 and key in held:  # a deletion
            running = running.remove(key, held.pop(key))
            continue
        running = running.replace(key, held.get(key), version)
        held[key] = version
    assert running.hex == registry_digest(held.items())
    assert running == RegistrySum.of(held.items())
    assert running.count == len(held)
    assert RegistrySum.decode(running.encode()) == running
    assert RegistrySum.decode(None) == RegistrySum()


def test_the_station_digest_counts_the_registry_and_digests_staff_and_registry():
    digest = station_digest(
        catalog_version="2026.1",
        catalog_digest="1" * 64,
        rates_digest="2" * 64,
        staff=[("zhangsan", 3)],
        registry=RegistrySum.of(ROWS),
    )
    assert digest.staff_digest == registry_digest([("zhangsan", 3)])
    assert (digest.registry_count, digest.registry_digest) == (2, registry_digest(ROWS))
    assert (digest.catalog_version, digest.catalog_digest, digest.rates_digest) == (
        "2026.1",
        "1" * 64,
        "2" * 64,
    )
