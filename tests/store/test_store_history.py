"""Saving and loading scans, finding states and suppressions, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from aispm.core.ids import digest
from aispm.core.model import Asset, AssetKind, Finding, Inventory, ScanResult, Severity
from aispm.store import Store, StoreError

Factory = Callable[..., ScanResult]
LATER = "2025-02-01T10:00:00+00:00"


def test_round_trip_rebuilds_the_scan(store: Store, make_result: Factory) -> None:
    saved = make_result()
    scan_id = store.save_scan(saved)
    loaded = store.load_scan(scan_id)

    assert loaded.scan_id == scan_id
    assert (loaded.target, loaded.started_at, loaded.finished_at) == (
        saved.target,
        saved.started_at,
        saved.finished_at,
    )
    assert loaded.inventory.assets == saved.inventory.assets
    assert loaded.inventory.relationships == saved.inventory.relationships
    assert loaded.warnings == saved.warnings
    assert loaded.findings == saved.findings
    assert loaded.rules == saved.rules
    assert list(loaded.rules) == list(saved.rules)
    assert loaded.suppressed == frozenset()


def test_round_trip_of_an_empty_scan(store: Store, make_result: Factory) -> None:
    empty = make_result([], [], rels=[], warning_list=[])
    loaded = store.load_scan(store.save_scan(empty))
    assert len(loaded.inventory) == 0
    assert loaded.findings == ()
    assert loaded.warnings == []


def test_large_scan_is_saved_in_batches(store: Store, make_result: Factory) -> None:
    many = [
        Asset(
            f"urn:aispm:package:package:pkg:pypi/p{i}",
            AssetKind.PACKAGE,
            f"p{i}",
            "pypi",
            properties={"i": i},
        )
        for i in range(5000)
    ]
    found = [Finding("R", a.id, Severity.LOW, "old", discriminator=str(i)) for i, a in enumerate(many[:1200])]
    scan_id = store.save_scan(make_result(many, found, rels=[]))
    loaded = store.load_scan(scan_id)
    assert loaded.inventory.assets == many
    assert loaded.findings == tuple(found)
    assert store.list_scans()[0].asset_count == 5000


def test_list_scans_and_latest_ids(store: Store, make_result: Factory) -> None:
    assert store.list_scans() == []
    assert store.latest_scan_ids(2) == []
    first = store.save_scan(make_result())
    second = store.save_scan(make_result(started_at=LATER, target="/src/other"))

    summaries = store.list_scans()
    assert [s.id for s in summaries] == [first, second]
    assert summaries[1].target == "/src/other"
    assert summaries[1].started_at == LATER
    assert summaries[0].asset_count == 4
    assert summaries[0].finding_count == 2
    assert summaries[0].findings_by_severity == {"critical": 1, "high": 0, "medium": 1, "low": 0, "info": 0}
    assert store.latest_scan_ids(1) == [second]
    assert store.latest_scan_ids(5) == [second, first]


def test_first_seen_stays_and_last_seen_moves(store: Store, make_result: Factory) -> None:
    first = store.save_scan(make_result())
    second = store.save_scan(make_result(started_at=LATER))
    fingerprint = make_result().findings[0].fingerprint

    state = store.finding_state(fingerprint)
    assert state is not None
    assert (state.first_seen, state.first_scan_id) == ("2025-01-01T10:00:00+00:00", first)
    assert (state.last_seen, state.last_scan_id) == (LATER, second)
    assert state.suppressed is False
    assert store.finding_state("0" * 32) is None


def test_finding_missing_from_a_later_scan_keeps_its_last_seen(store: Store, make_result: Factory) -> None:
    first = store.save_scan(make_result())
    kept = make_result().findings[:1]
    store.save_scan(make_result(finding_list=kept, started_at=LATER))
    dropped = make_result().findings[1].fingerprint
    state = store.finding_state(dropped)
    assert state is not None
    assert state.last_scan_id == first


def test_suppression_survives_later_scans(store: Store, make_result: Factory) -> None:
    store.save_scan(make_result())
    fingerprint = make_result().findings[0].fingerprint

    assert store.suppress(fingerprint[:10], "accepted: test key") == fingerprint
    later = store.save_scan(make_result(started_at=LATER))

    assert store.suppressed() == frozenset({fingerprint})
    assert store.load_scan(later).suppressed == frozenset({fingerprint})
    assert [f.fingerprint for f in store.load_scan(later).active_findings()] == [
        make_result().findings[1].fingerprint
    ]
    state = store.finding_state(fingerprint)
    assert state is not None
    assert state.suppressed and state.reason == "accepted: test key" and state.suppressed_at

    assert store.unsuppress(fingerprint.upper()) == fingerprint
    assert store.suppressed() == frozenset()
    state = store.finding_state(fingerprint)
    assert state is not None
    assert (state.suppressed, state.reason, state.suppressed_at) == (False, None, None)


def _colliding_discriminators() -> tuple[str, str]:
    """Two discriminators whose fingerprints (rule R, asset A) share their first 8 characters."""
    seen: dict[str, str] = {}
    i = 0
    while True:
        disc = str(i)
        prefix = digest("R", "A", disc, length=32)[:8]
        if prefix in seen:
            return seen[prefix], disc
        seen[prefix] = disc
        i += 1


def test_suppress_rejects_ambiguous_unknown_and_short_prefixes(store: Store, make_result: Factory) -> None:
    one, two = _colliding_discriminators()
    found = [Finding("R", "A", Severity.LOW, "m", discriminator=d) for d in (one, two)]
    store.save_scan(make_result([], found, rels=[]))
    prefix = found[0].fingerprint[:8]

    with pytest.raises(StoreError, match="ambiguous") as err:
        store.suppress(prefix, "why")
    assert found[0].fingerprint in str(err.value) and found[1].fingerprint in str(err.value)
    with pytest.raises(StoreError, match="no finding with fingerprint"):
        store.suppress("ffffffffffffffffffff", "why")
    with pytest.raises(StoreError, match="at least its first 8"):
        store.suppress(prefix[:7], "why")
    with pytest.raises(StoreError, match="not a finding fingerprint"):
        store.unsuppress("%%%%%%%%%%")
    with pytest.raises(StoreError, match="needs a reason"):
        store.suppress(found[0].fingerprint, "  ")
    assert store.suppressed() == frozenset()


def test_unknown_scan_ids(store: Store, make_result: Factory) -> None:
    store.save_scan(make_result())
    for bad in ("99", "abc", "", "-1", "1" * 40):
        with pytest.raises(StoreError, match="unknown scan id"):
            store.load_scan(bad)


def test_save_does_not_touch_the_given_result(store: Store, make_result: Factory) -> None:
    saved = make_result()
    store.save_scan(saved)
    assert saved.scan_id == ""
    assert isinstance(saved.inventory, Inventory)
    assert dataclasses.replace(saved, scan_id="1").scan_id == "1"
