"""Diffs between kept scans: assets by id, findings by fingerprint."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from aispm.core.model import Asset, AssetKind, Finding, Location, ScanResult, Severity
from aispm.store import Store, StoreError
from aispm.store.diff_render import render_diff

Factory = Callable[..., ScanResult]
LATER = "2025-02-01T10:00:00+00:00"


def _changed_scan(base: ScanResult) -> tuple[list[Asset], list[Finding]]:
    """The base scan with one asset removed, one added, two changed; findings likewise."""
    repo, app, model, _secret = base.inventory.assets
    app2 = dataclasses.replace(
        app,
        location=Location(path="src/app.py"),
        properties={**app.properties, "language": "py3", "extra": 1},
    )
    model2 = dataclasses.replace(model, name="GPT-4o", properties={"provider": "openai"})
    agent = Asset("urn:aispm:code:agent:x", AssetKind.AGENT, "helper", "local")
    key, unapproved = base.findings
    moved = dataclasses.replace(key, location=Location(path="app.py", line=99))
    rescored = dataclasses.replace(unapproved, severity=Severity.HIGH, message="gpt-4o is forbidden")
    new = Finding("AISPM-AGENT-003", agent.id, Severity.HIGH, "agent can run shell")
    return [repo, app2, model2, agent], [moved, rescored, new]


def test_diff_of_the_last_two_scans(store: Store, make_result: Factory) -> None:
    base = make_result()
    first = store.save_scan(base)
    assets, findings = _changed_scan(base)
    second = store.save_scan(make_result(assets, findings, started_at=LATER, rels=[]))

    diff = store.diff()
    assert (diff.old_id, diff.new_id) == (first, second)
    assert [a.name for a in diff.assets_added] == ["helper"]
    assert [a.name for a in diff.assets_removed] == ["OPENAI_API_KEY"]
    changes = {c.asset_id: c.changed for c in diff.assets_changed}
    app, model = base.inventory.assets[1].id, base.inventory.assets[2].id
    assert changes == {
        app: ("location", "properties.language", "properties.extra"),
        model: ("name", "properties.model"),
    }
    assert [f.rule_id for f in diff.findings_added] == ["AISPM-AGENT-003"]
    assert diff.findings_removed == ()
    # The moved finding (only its line differs) is not a change.
    assert [(c.fingerprint, c.changed) for c in diff.findings_changed] == [
        (base.findings[1].fingerprint, ("severity", "message"))
    ]
    assert not diff.empty


def test_removed_findings_and_explicit_ids(store: Store, make_result: Factory) -> None:
    a = store.save_scan(make_result())
    b = store.save_scan(make_result(finding_list=[], started_at=LATER))
    c = store.save_scan(make_result(started_at=LATER))

    reverse = store.diff(b, a)
    assert {f.rule_id for f in reverse.findings_added} == {"AISPM-SECRET-001", "AISPM-MODEL-002"}
    forward = store.diff(a, b)
    assert {f.rule_id for f in forward.findings_removed} == {"AISPM-SECRET-001", "AISPM-MODEL-002"}
    assert store.diff(a, c).empty
    # Only the old id: against the latest.  Only the new id: against the scan before it.
    assert (store.diff(a).old_id, store.diff(a).new_id) == (a, c)
    only_new = store.diff(new_id=b)
    assert (only_new.old_id, only_new.new_id) == (a, b)


def test_diff_needs_two_scans(store: Store, make_result: Factory) -> None:
    with pytest.raises(StoreError, match="no scans are kept"):
        store.diff()
    first = store.save_scan(make_result())
    with pytest.raises(StoreError, match="needs two scans"):
        store.diff()
    with pytest.raises(StoreError, match="unknown scan id '42'"):
        store.diff(first, "42")
    with pytest.raises(StoreError, match="unknown scan id 'nope'"):
        store.diff("nope")


def test_render_diff_formats(store: Store, make_result: Factory) -> None:
    base = make_result()
    store.save_scan(base)
    assets, findings = _changed_scan(base)
    store.save_scan(make_result(assets, findings, started_at=LATER, rels=[]))
    diff = store.diff()

    data = json.loads(render_diff(diff, "json"))
    assert data["old_scan"] == "1" and data["new_scan"] == "2"
    assert [a["name"] for a in data["assets"]["added"]] == ["helper"]
    assert data["findings"]["changed"][0]["old"] == {
        "severity": "medium",
        "message": "gpt-4o is not approved",
    }

    table = render_diff(diff, "table")
    assert "assets +1 -1 ~2, findings +1 -0 ~1" in table
    assert "helper" in table and "agent can run shell" in table
    assert "medium -> high" in table
    assert "\x1b[" not in table
    page = render_diff(diff, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "Findings added (1)" in page and "agent can run shell" in page
    assert "<script" not in page and "http" not in page.split("</title>")[1]
    with pytest.raises(ValueError, match="newer scan"):
        render_diff(diff, "sarif")
    with pytest.raises(ValueError, match="table, json, sarif or html"):
        render_diff(diff, "xml")


def test_render_of_an_empty_diff(store: Store, make_result: Factory) -> None:
    store.save_scan(make_result())
    store.save_scan(make_result(started_at=LATER))
    assert render_diff(store.diff(), "table").strip() == "No changes between scan 1 and scan 2."


def test_markup_in_names_is_shown_literally(store: Store, make_result: Factory) -> None:
    store.save_scan(make_result([], []))
    odd = Asset("urn:x", AssetKind.TOOL, "[bold]run[/bold]", "local")
    store.save_scan(make_result([odd], [], started_at=LATER, rels=[]))
    assert "[bold]run[/bold]" in render_diff(store.diff(), "table")
