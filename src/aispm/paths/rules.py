"""Entry points and crown jewels, derived by the rules of ``data/paths_rules.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aispm.paths.config import rules_data
from aispm.paths.graph import AttackGraph


@dataclass(frozen=True, slots=True)
class Mark:
    """One asset matched by an entry-point or crown-jewel rule."""

    node: int
    rule: str
    title: str
    weight: float
    """Ease (entry point, 0..1) or value (crown jewel, 0..10)."""
    reasons: tuple[str, ...] = ()
    public: bool = False
    access: str = "change"
    """Entry points: what the attacker holds over the asset (read / invoke / change)."""


def entry_points(ag: AttackGraph) -> dict[int, Mark]:
    """Every entry point, the easiest rule per node."""
    return _apply(ag, rules_data()["entry_points"], "ease", _index(ag))


def crown_jewels(ag: AttackGraph) -> dict[int, Mark]:
    """Every crown jewel, the most valuable rule per node."""
    return _apply(ag, rules_data()["crown_jewels"], "value", _index(ag))


def marks(ag: AttackGraph) -> tuple[dict[int, Mark], dict[int, Mark]]:
    """Entry points and crown jewels, from one pass over the assets."""
    data = rules_data()
    index = _index(ag)
    return (
        _apply(ag, data["entry_points"], "ease", index),
        _apply(ag, data["crown_jewels"], "value", index),
    )


def _apply(
    ag: AttackGraph,
    rules: list[dict[str, Any]],
    weight_key: str,
    index: tuple[dict[str, list[int]], dict[str, list[int]]],
) -> dict[int, Mark]:
    marks: dict[int, Mark] = {}
    candidates = _candidates(ag, rules, index)
    for rule in rules:
        for node in candidates[rule["id"]]:
            if not matches(ag, node, rule):
                continue
            weight, reasons = float(rule[weight_key]), []
            for bonus in rule.get("bonus") or ():
                if _where(ag.assets[node].properties, bonus["where"]):
                    weight += float(bonus["add"])
                    reasons.append(str(bonus["reason"]))
            mark = Mark(
                node,
                rule["id"],
                rule["title"],
                weight,
                tuple(reasons),
                bool(rule.get("public")),
                _access(ag, node, rule),
            )
            if node not in marks or marks[node].weight < weight:
                marks[node] = mark
    return marks


def _index(ag: AttackGraph) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Nodes by asset kind and by resource type."""
    by_kind: dict[str, list[int]] = {}  # keyed by AssetKind members, which are equal to their names
    by_type: dict[str, list[int]] = {}
    for i, asset in enumerate(ag.assets):
        by_kind.setdefault(asset.kind, []).append(i)
        rtype = asset.properties.get("resource_type")
        if rtype:
            by_type.setdefault(str(rtype), []).append(i)
    return by_kind, by_type


def _candidates(
    ag: AttackGraph,
    rules: list[dict[str, Any]],
    index: tuple[dict[str, list[int]], dict[str, list[int]]],
) -> dict[str, list[int]]:
    """Nodes worth testing per rule: by finding, kind or resource type."""
    by_kind, by_type = index
    by_rule: dict[str, list[int]] = {}
    for rule in rules:
        if rule.get("findings"):
            wanted = set(rule["findings"])
            nodes = [n for n, fs in ag.findings.items() if any(f.rule_id in wanted for f in fs)]
        elif rule.get("resource_types"):
            nodes = [n for t in rule["resource_types"] for n in by_type.get(t, ())]
        elif rule.get("kinds"):
            nodes = [n for k in rule["kinds"] for n in by_kind.get(k, ())]
        else:
            nodes = list(range(len(ag.assets)))
        by_rule[rule["id"]] = nodes
    return by_rule


def matches(ag: AttackGraph, node: int, rule: dict[str, Any]) -> bool:
    """Does ``rule`` hold for the asset of ``node``?"""
    asset = ag.assets[node]
    props = asset.properties
    if rule.get("kinds") and asset.kind not in rule["kinds"]:  # a StrEnum equals its name
        return False
    if rule.get("resource_types") and props.get("resource_type") not in rule["resource_types"]:
        return False
    if rule.get("where") and not _where(props, rule["where"]):
        return False
    if rule.get("findings") and not set(rule["findings"]) & set(ag.finding_ids(node)):
        return False
    if rule.get("read_by"):
        kinds = set(rule["read_by"])
        if not any(kind == "reads" and ag.assets[src].kind in kinds for src, kind, _ in ag.in_edges(node)):
            return False
    if rule.get("permissions"):
        perms = props.get("ai_permissions")
        if not isinstance(perms, dict) or not any(perms.get(p) for p in rule["permissions"]):
            return False
    return True


def _access(ag: AttackGraph, node: int, rule: dict[str, Any]) -> str:
    """What an entry point gives: the rule's ``access``, raised by an ``access_if`` whose
    ``evidence`` path (through lists) has ``value`` in a finding of the rule on the asset."""
    access = str(rule.get("access") or "change")
    for cond in rule.get("access_if") or ():
        wanted = set(rule.get("findings") or ())
        for finding in ag.findings.get(node, ()):
            if wanted and finding.rule_id not in wanted:
                continue
            if cond["value"] in _values(finding.evidence, str(cond["evidence"]).split(".")):
                return str(cond["access"])
    return access


def _values(value: Any, parts: list[str]) -> list[Any]:
    if isinstance(value, list | tuple):
        return [v for item in value for v in _values(item, parts)]
    if not parts:
        return [value]
    if isinstance(value, Mapping) and parts[0] in value:
        return _values(value[parts[0]], parts[1:])
    return []


def _where(props: Any, conditions: dict[str, Any]) -> bool:
    for path, expected in conditions.items():
        value = props
        for part in str(path).split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if expected is True:
            if not value:
                return False
        elif isinstance(expected, list):
            if value not in expected:
                return False
        elif value != expected:
            return False
    return True
