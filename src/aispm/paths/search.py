"""Attack paths: the easiest path from any entry point to each crown jewel.

One multi-source best-first search (Dijkstra on ``-log(ease)``) over integer nodes, bounded by a
depth limit; per node only its best ``(cost, parent, edge kind, depth)`` is kept, so memory grows
with the nodes reached and never with the number of paths.  Paths are rebuilt from parent
pointers only for the crown jewels reached.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import Finding
from aispm.paths.atlas import techniques
from aispm.paths.graph import AttackGraph, gc_paused
from aispm.paths.rules import Mark, crown_jewels, entry_points
from aispm.paths.traverse import action_of, moves

DEFAULT_MAX_DEPTH = 6
PER_ENTRY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Step:
    """One move of a path, with the findings on the asset it reaches (or leaves)."""

    source: int
    target: int
    kind: str
    ease: float
    via: str = ""
    conditional: bool = False
    findings: tuple[Finding, ...] = ()


@dataclass(slots=True)
class AttackPath:
    """A path from an entry point to a crown jewel, with its score and its parts."""

    entry: Mark
    jewel: Mark
    steps: list[Step]
    action: str
    """What the last step gives over the crown jewel (invoke / read / change)."""
    techniques: list[str] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ease(self) -> float:
        """Ease of the entry x ease of every step (0..1)."""
        product = self.entry.weight
        for step in self.steps:
            product *= step.ease
        return product

    @property
    def score(self) -> float:
        """Ease x value of the crown jewel (0..10 and a little more with bonuses)."""
        return round(self.ease * self.jewel.weight, 3)

    @property
    def nodes(self) -> list[int]:
        return [self.entry.node] + [s.target for s in self.steps]

    def findings(self) -> list[Finding]:
        """Every finding the path uses, each once, in path order."""
        seen: dict[str, Finding] = {}
        for finding in self.entry_findings:
            seen.setdefault(finding.fingerprint, finding)
        for step in self.steps:
            for finding in step.findings:
                seen.setdefault(finding.fingerprint, finding)
        return list(seen.values())

    entry_findings: tuple[Finding, ...] = ()


def find_paths(
    ag: AttackGraph,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    limit: int | None = None,
    per_entry_limit: int = PER_ENTRY_LIMIT,
) -> list[AttackPath]:
    """Attack paths to crown jewels, highest score first.

    With at most ``per_entry_limit`` entry points every (entry point, crown jewel) pair gets its
    best path (one bounded search per entry point); above it one multi-source search gives each
    crown jewel its best path from any entry point, so time stays O(E log V) on large graphs.
    """
    with gc_paused():
        return _find(ag, max_depth, limit, per_entry_limit)


def _find(ag: AttackGraph, max_depth: int, limit: int | None, per_entry_limit: int) -> list[AttackPath]:
    entries = entry_points(ag)
    jewels = crown_jewels(ag)
    if not entries or not jewels:
        return []
    groups = [{n: m} for n, m in entries.items()] if len(entries) <= per_entry_limit else [entries]
    paths: list[AttackPath] = []
    for group in groups:
        best = _search(ag, group, max_depth)
        paths.extend(_rebuild(ag, best, entries, jewels[n]) for n in jewels if n in best and best[n][2] != -1)
    paths.sort(key=lambda p: (-p.score, len(p.steps), ag.ids[p.entry.node], ag.ids[p.jewel.node]))
    from aispm.paths.toxic import escalate

    for path in paths:
        path.escalations = escalate(path)
    return paths[:limit] if limit else paths


Best = dict[int, tuple[float, int, int, str, dict[str, Any]]]
"""node -> (cost, depth, parent, edge kind, edge attrs); parent -1 for an entry point."""


def _search(ag: AttackGraph, sources: dict[int, Mark], max_depth: int) -> Best:
    best: Best = {}
    heap: list[tuple[float, int, int]] = []
    for node, mark in sources.items():
        cost = -math.log(max(mark.weight, 1e-9))
        best[node] = (cost, 0, -1, "", {})
        heap.append((cost, 0, node))
    heapq.heapify(heap)
    while heap:
        cost, depth, node = heapq.heappop(heap)
        if best[node][0] < cost or depth >= max_depth:
            continue
        for nxt, kind, ease, attrs in moves(ag, node):
            new_cost = cost - math.log(ease)
            old = best.get(nxt)
            if old is None or new_cost < old[0] - 1e-12:
                best[nxt] = (new_cost, depth + 1, node, kind, attrs)
                heapq.heappush(heap, (new_cost, depth + 1, nxt))
    return best


def _rebuild(
    ag: AttackGraph,
    best: Best,
    entries: dict[int, Mark],
    jewel: Mark,
) -> AttackPath:
    steps: list[Step] = []
    node = jewel.node
    specs_ease = _step_ease
    while best[node][2] != -1:
        cost, _, parent, kind, attrs = best[node]
        steps.append(
            Step(
                parent,
                node,
                kind,
                specs_ease(best[parent][0], cost),
                str(attrs.get("via") or ""),
                bool(attrs.get("conditional")),
                tuple(ag.findings.get(node, ())),
            )
        )
        node = parent
    steps.reverse()
    entry = entries[node]
    action = action_of(steps[-1].kind)
    path = AttackPath(entry, jewel, steps, action, entry_findings=tuple(ag.findings.get(node, ())))
    path.techniques = techniques(entry.rule, [s.kind for s in steps], jewel.rule, action)
    return path


def _step_ease(parent_cost: float, cost: float) -> float:
    return round(math.exp(parent_cost - cost), 6)
