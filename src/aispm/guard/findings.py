"""Blocked attacks as posture findings on the model endpoint they targeted.

The gateway records each request's upstream URL.  Events whose verdict is ``block`` with an
injection or jailbreak detection become one :class:`~aispm.core.model.Finding` per targeted
endpoint and detector, on ``urn('endpoint', 'model_endpoint', <normalised upstream URL>)`` — the
id repository discovery gives the same base URL — so the finding lands on the inventory node the
scan already knows.  :class:`GuardCollector` also contributes those endpoints as assets (with the
counts as properties), so a scan that runs it has the node even when no code names the URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, RuleMeta, Severity
from aispm.discover.base import Progress, no_progress
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.guard.store import GuardEvent, GuardStore

ATTACK_DETECTORS = frozenset({"injection", "jailbreak"})

RULE = RuleMeta(
    id="guard-injection-blocked",
    title="Prompt-injection attempts blocked at the gateway",
    severity=Severity.HIGH,
    rationale="The AI gateway blocked requests carrying prompt injection or jailbreak attempts aimed at "
    "this model endpoint: someone is actively attacking the application that calls it.",
    remediation="Review the blocked events (`aispm guard events --verdict block`), find the caller key "
    "and the application, and check whether indirect inputs (retrieved documents, tool results) "
    "carry the payload.",
    owasp_llm=("LLM01",),
    mitre_atlas=("AML.T0051",),
    asset_kinds=(AssetKind.MODEL_ENDPOINT,),
    tags=("runtime", "guard"),
)


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


def guard_findings(events: Iterable[GuardEvent]) -> list[Finding]:
    """One finding per (endpoint, attack detector) over the blocked events."""
    findings = []
    for (asset_id, detector), t in sorted(_tallies(events).items()):
        findings.append(
            Finding(
                rule_id=RULE.id,
                asset_id=asset_id,
                severity=RULE.severity,
                message=f"{t.count} request(s) to {t.url} blocked for {detector} "
                f"(keys: {', '.join(sorted(t.keys))}; last {t.last})",
                location=Location(uri=t.url),
                evidence={
                    "detector": detector,
                    "types": sorted(t.types),
                    "count": t.count,
                    "first_seen": t.first,
                    "last_seen": t.last,
                    "keys": sorted(t.keys),
                    "models": sorted(t.models),
                },
                discriminator=detector,
            )
        )
    return findings


class GuardCollector:
    """Endpoints the gateway saw attacked since ``since`` (ISO time), as inventory assets."""

    name = "guard"

    def __init__(self, store: GuardStore, since: str | None = None) -> None:
        self.store = store
        self.since = since

    def events(self) -> list[GuardEvent]:
        return self.store.events(verdict="block", since=self.since, limit=100_000)

    def collect(self, progress: Progress = no_progress) -> Inventory:
        assets: dict[str, Asset] = {}
        for (asset_id, detector), t in _tallies(self.events()).items():
            previous = assets.get(asset_id)
            blocked = dict(previous.properties.get("guard_blocked", {})) if previous else {}
            blocked[detector] = t.count
            assets[asset_id] = Asset(
                id=asset_id,
                kind=AssetKind.MODEL_ENDPOINT,
                name=t.url,
                provider="local" if t.props.get("local") else str(t.props.get("host", "")),
                location=Location(uri=t.url),
                properties={**t.props, "guard_blocked": blocked},
                source=self.name,
            )
        progress(len(assets), len(assets), "guard events")
        return Inventory.of(assets.values(), ())
