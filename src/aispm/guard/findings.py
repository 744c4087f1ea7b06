"""Blocked attacks as posture findings on the model endpoint they targeted.

The gateway records each request's upstream URL.  Events whose verdict is ``block`` with an
injection or jailbreak detection become one :class:`~aispm.core.model.Finding` per targeted
endpoint and detector, on ``urn('endpoint', 'model_endpoint', <normalised upstream URL>)`` — the
id repository discovery gives the same base URL — so the finding lands on the inventory node the
scan already knows.  :class:`GuardCollector` contributes those endpoints as assets (with the
counts as properties) — the ``guard`` source of ``aispm scan`` — and the built-in posture rule
``AISPM-GUARD-001`` turns the counts into findings, so they show in every report format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, Severity
from aispm.discover.base import Progress, no_progress
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.guard.store import GuardEvent, GuardStore

ATTACK_DETECTORS = frozenset({"injection", "jailbreak"})
RULE_ID = "AISPM-GUARD-001"
"""The built-in posture rule of these findings (metadata in ``data/rules/guard.yaml``)."""


def endpoint_id(upstream_url: str) -> tuple[str, str, dict[str, Any]]:
    """``(asset id, normalised url, properties)`` of the endpoint an upstream URL names."""
    normal = normalise_endpoint(upstream_url)
    if normal is None:
        return urn("endpoint", "model_endpoint", upstream_url), upstream_url, {"url": upstream_url}
    url, props = normal
    return urn("endpoint", "model_endpoint", url), url, {"url": url, **props}


@dataclass(slots=True)
class _Tally:
    url: str
    props: dict[str, Any]
    detector: str
    count: int = 0
    first: str = ""
    last: str = ""
    keys: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "first_seen": self.first,
            "last_seen": self.last,
            "keys": sorted(self.keys),
            "models": sorted(self.models),
            "types": sorted(self.types),
        }


def _tallies(events: Iterable[GuardEvent]) -> dict[tuple[str, str], _Tally]:
    tallies: dict[tuple[str, str], _Tally] = {}
    for event in events:
        if event.verdict != "block" or not event.upstream_url:
            continue
        attacks = {d["detector"]: d for d in event.detections if d.get("detector") in ATTACK_DETECTORS}
        for detector, detection in attacks.items():
            asset_id, url, props = endpoint_id(event.upstream_url)
            tally = tallies.setdefault((asset_id, detector), _Tally(url, props, detector, first=event.ts))
            tally.count += 1
            tally.last = max(tally.last, event.ts)
            tally.first = min(tally.first, event.ts)
            tally.keys.add(event.key_name or "anonymous")
            if event.model:
                tally.models.add(event.model)
            tally.types.add(str(detection.get("type", "")))
    return tallies


def _assets(events: Iterable[GuardEvent], source: str) -> dict[str, Asset]:
    """The attacked endpoints, each with ``guard_blocked`` (detector -> count) and ``guard_attacks``
    (detector -> count, first/last seen, keys, models, detection types)."""
    assets: dict[str, Asset] = {}
    for (asset_id, detector), t in sorted(_tallies(events).items()):
        previous = assets.get(asset_id)
        blocked = dict(previous.properties["guard_blocked"]) if previous else {}
        attacks = dict(previous.properties["guard_attacks"]) if previous else {}
        blocked[detector] = t.count
        attacks[detector] = t.to_json()
        assets[asset_id] = Asset(
            id=asset_id,
            kind=AssetKind.MODEL_ENDPOINT,
            name=t.url,
            provider="local" if t.props.get("local") else str(t.props.get("host", "")),
            location=Location(uri=t.url),
            properties={**t.props, "guard_blocked": blocked, "guard_attacks": attacks},
            source=source,
        )
    return assets


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def endpoint_findings(endpoint: Asset) -> Iterator[Finding]:
    """The findings of one endpoint asset from its ``guard_attacks`` property (one per detector).

    Properties are data (possibly read back from a stored scan), so every value is type-checked.
    """
    attacks = endpoint.properties.get("guard_attacks")
    url = str(endpoint.properties.get("url") or endpoint.name)
    for detector, tally in sorted(attacks.items()) if isinstance(attacks, dict) else ():
        if not isinstance(tally, dict) or not isinstance(tally.get("count"), int) or tally["count"] < 1:
            continue
        keys = _strings(tally.get("keys"))
        yield Finding(
            rule_id=RULE_ID,
            asset_id=endpoint.id,
            severity=Severity.HIGH,
            message=f"{tally['count']} request(s) to {url} blocked for {detector} "
            f"(keys: {', '.join(keys)}; last {tally.get('last_seen')})",
            location=Location(uri=url),
            evidence={
                "detector": str(detector),
                "types": _strings(tally.get("types")),
                "count": tally["count"],
                "first_seen": str(tally.get("first_seen") or ""),
                "last_seen": str(tally.get("last_seen") or ""),
                "keys": keys,
                "models": _strings(tally.get("models")),
            },
            discriminator=str(detector),
        )


def guard_findings(events: Iterable[GuardEvent]) -> list[Finding]:
    """One finding per (endpoint, attack detector) over the blocked events (as ``aispm scan guard``
    reports them, before any policy severity override)."""
    return [f for asset in _assets(events, "guard").values() for f in endpoint_findings(asset)]


class GuardCollector:
    """Endpoints the gateway saw attacked since ``since`` (ISO time), as inventory assets.

    ``store`` is a :class:`GuardStore`, or a database URL / path (``None``: the default database)
    that is opened for :meth:`collect` and closed after it.
    """

    name = "guard"

    def __init__(self, store: GuardStore | str | None, since: str | None = None) -> None:
        self._given = store
        self.since = since

    def events(self) -> list[GuardEvent]:
        """The blocked events since :attr:`since`."""
        if isinstance(self._given, GuardStore):
            return self._given.events(verdict="block", since=self.since, limit=100_000)
        store = GuardStore(self._given)
        try:
            return store.events(verdict="block", since=self.since, limit=100_000)
        finally:
            store.close()

    def collect(self, progress: Progress = no_progress) -> Inventory:
        assets = _assets(self.events(), self.name)
        progress(len(assets), len(assets), "guard events")
        return Inventory.of(assets.values(), ())
