"""Attack paths: from every entry point to the crown jewels, ranked by ease x value.

Two bounded best-first searches (Dijkstra on ``-log(ease)``, the easiest path maximises the
product of eases) over integer nodes, both with a depth limit and both aware of the access each
step gives (:mod:`aispm.paths.traverse`):

- **forwards from every entry point at once**, keeping per node the best labels of at most
  ``per_jewel`` *distinct* entry points per access level (k-nearest-sources Dijkstra).  Each crown
  jewel gets the easiest paths from its ``per_jewel`` nearest entry points; a path from an entry
  point that is not among the ``per_jewel`` nearest of some node on the way could not be among
  that jewel's nearest either, so pruning loses nothing;
- **backwards from every crown jewel at once** (starting at ``-log(value)``) over the nodes the
  forward search reached, one label per (node, needed access): every entry point gets its
  highest-scoring path to any crown jewel, so no entry point that reaches something is left out
  however many there are.

Work is bounded by ``per_jewel`` x 3 labels per node forwards and 2 per node backwards
(O(k E log V)); memory grows with the nodes reached, never with the number of paths.  Paths are
rebuilt from parent pointers only for crown jewels and entry points.  For each (entry point,
crown jewel) pair the highest-scoring path is kept, and a path giving more access (change rather
than read) when its score is lower; at most ``max_paths`` paths are kept, highest score first.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import Finding
from aispm.paths.atlas import techniques
from aispm.paths.graph import AttackGraph, gc_paused
from aispm.paths.rules import Mark, marks
from aispm.paths.traverse import ANY, CHANGE, INVOKE, LEVELS, MOVE, Mover, level_of

DEFAULT_MAX_DEPTH = 6
PER_JEWEL = 5
"""Forward search: easiest paths to each crown jewel from this many distinct entry points."""
MAX_PATHS = 10_000
"""At most this many paths are kept (highest score first); None keeps every path found."""


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
    action: str = "change"
    """What the step gives over its target: read / invoke / change."""


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
    per_jewel: int = PER_JEWEL,
    max_paths: int | None = MAX_PATHS,
) -> list[AttackPath]:
    """Attack paths to crown jewels, highest score first, each with its toxic-combination
    escalations; at most ``limit`` (after ``max_paths``)."""
    with gc_paused():
        paths = _find(ag, max_depth, max(per_jewel, 1))
    if max_paths is not None:
        paths = paths[:max_paths]
    return paths[:limit] if limit else paths


Hop = tuple[int, str, int, dict[str, Any]]
"""``(source, kind, target, edge attributes)``."""


def _find(ag: AttackGraph, max_depth: int, per_jewel: int) -> list[AttackPath]:
    entries, jewels = marks(ag)
    if not entries or not jewels:
        return []
    mover = Mover(ag)
    start = {n: mover.held(n, level_of(m.access)) for n, m in entries.items()}
    kept: dict[tuple[int, int], list[AttackPath]] = {}
    reached: set[int] = set()
    for hops in _forward(mover, start, entries, jewels, max_depth, per_jewel, reached):
        _keep(kept, _path(ag, mover, entries, jewels, start, hops))
    for hops in _backward(mover, start, entries, jewels, max_depth, reached):
        _keep(kept, _path(ag, mover, entries, jewels, start, hops))
    paths = [p for group in kept.values() for p in group]
    paths.sort(
        key=lambda p: (
            -p.score,
            -level_of(p.action),
            len(p.steps),
            ag.ids[p.entry.node],
            ag.ids[p.jewel.node],
        )
    )
    from aispm.paths.toxic import escalate

    for path in paths:
        path.escalations = escalate(path)
    return paths


def _keep(kept: dict[tuple[int, int], list[AttackPath]], path: AttackPath | None) -> None:
    """Keep ``path`` unless a path of the same pair scores at least as much with at least as much
    access; drop the paths it beats that way."""
    if path is None:
        return
    group = kept.setdefault((path.entry.node, path.jewel.node), [])
    level, score = level_of(path.action), path.score
    if any(p.score >= score and level_of(p.action) >= level for p in group):
        return
    group[:] = [p for p in group if not (score >= p.score and level >= level_of(p.action))]
    group.append(path)


def _forward(
    mover: Mover,
    start: dict[int, int],
    entries: dict[int, Mark],
    jewels: dict[int, Mark],
    max_depth: int,
    k: int,
    reached: set[int],
) -> list[list[Hop]]:
    """k-nearest-entry-points search; the hops of every label settled on a crown jewel.
    ``reached`` gets every node settled (every node on a path from an entry point)."""
    # labels in parallel lists: node, held level, entry point, parent label, edge kind, attrs, depth
    l_node: list[int] = []
    l_held: list[int] = []
    l_src: list[int] = []
    l_parent: list[int] = []
    l_kind: list[str] = []
    l_attrs: list[dict[str, Any]] = []
    l_depth: list[int] = []
    heap: list[tuple[float, int]] = []
    for node, mark in entries.items():
        l_node.append(node)
        l_held.append(start[node])
        l_src.append(node)
        l_parent.append(-1)
        l_kind.append("")
        l_attrs.append({})
        l_depth.append(0)
        heap.append((-math.log(max(mark.weight, 1e-9)), len(l_node) - 1))
    heapq.heapify(heap)
    settled: dict[int, dict[int, int]] = {}
    """node -> entry point -> highest level settled."""
    counts: dict[int, list[int]] = {}
    """node -> settled labels per level."""
    found: list[int] = []
    secrets = mover.secrets
    push, pop, log = heapq.heappush, heapq.heappop, math.log
    while heap:
        cost, lid = pop(heap)
        node, held, src = l_node[lid], l_held[lid], l_src[lid]
        by_src = settled.get(node)
        if by_src is None:
            by_src = settled[node] = {}
            per_level = counts[node] = [0, 0, 0]
        else:
            per_level = counts[node]
            if by_src.get(src, -1) >= held or sum(per_level[held:]) >= k:
                continue
        by_src[src] = held
        per_level[held] += 1
        if node in jewels and l_parent[lid] != -1:
            found.append(lid)
        depth = l_depth[lid]
        if depth >= max_depth:
            continue
        depth += 1
        for nxt, kind, ease, attrs, level in mover.moves_from(node, held):
            nheld = CHANGE if nxt in secrets else level
            other = settled.get(nxt)
            if other is not None and (other.get(src, -1) >= nheld or sum(counts[nxt][nheld:]) >= k):
                continue
            l_node.append(nxt)
            l_held.append(nheld)
            l_src.append(src)
            l_parent.append(lid)
            l_kind.append(kind)
            l_attrs.append(attrs)
            l_depth.append(depth)
            push(heap, (cost - log(ease), len(l_node) - 1))
    reached.update(settled)
    paths = []
    for lid in found:
        hops: list[Hop] = []
        while l_parent[lid] != -1:
            parent = l_parent[lid]
            hops.append((l_node[parent], l_kind[lid], l_node[lid], l_attrs[lid]))
            lid = parent
        hops.reverse()
        paths.append(hops)
    return paths


def _backward(
    mover: Mover,
    start: dict[int, int],
    entries: dict[int, Mark],
    jewels: dict[int, Mark],
    max_depth: int,
    reached: set[int],
) -> list[list[Hop]]:
    """Best crown jewel of every entry point: one search backwards from all crown jewels, over the
    nodes the forward search ``reached`` (no other node is on a path from an entry point)."""
    best: dict[int, tuple[float, int, int, str, dict[str, Any]]] = {}
    """state (node * 2 + need) -> (cost, depth, next state towards the jewel, kind, attrs)."""
    heap: list[tuple[float, int, int]] = []
    for node, mark in jewels.items():
        if node not in reached:
            continue
        state = node * 2 + ANY
        cost = -math.log(max(mark.weight, 1e-9))
        best[state] = (cost, 0, -1, "", {})
        heap.append((cost, 0, state))
    heapq.heapify(heap)
    while heap:
        cost, depth, state = heapq.heappop(heap)
        if best[state][0] < cost or depth >= max_depth:
            continue
        node, need = divmod(state, 2)
        for prev, kind, ease, attrs, prev_need in mover.backward(node, need):
            if prev not in reached:
                continue
            pstate = prev * 2 + prev_need
            new_cost = cost - math.log(ease)
            old = best.get(pstate)
            if old is None or new_cost < old[0] - 1e-12:
                best[pstate] = (new_cost, depth + 1, state, kind, attrs)
                heapq.heappush(heap, (new_cost, depth + 1, pstate))
    paths = []
    for node in entries:
        states = [node * 2 + ANY] + ([node * 2 + MOVE] if start[node] >= INVOKE else [])
        options = [(best[s][0], s) for s in states if s in best and best[s][2] != -1]
        if not options:
            continue
        _, state = min(options)
        hops: list[Hop] = []
        while best[state][2] != -1:
            _, _, nxt, kind, attrs = best[state]
            hops.append((state // 2, kind, nxt // 2, attrs))
            state = nxt
        paths.append(hops)
    return paths


def _path(
    ag: AttackGraph,
    mover: Mover,
    entries: dict[int, Mark],
    jewels: dict[int, Mark],
    start: dict[int, int],
    hops: list[Hop],
) -> AttackPath | None:
    if not hops:
        return None
    levels = mover.walk(start[hops[0][0]], [(s, k, t) for s, k, t, _ in hops])
    if levels is None:
        return None
    steps = [
        Step(
            source,
            target,
            kind,
            round(mover.ease(kind, attrs), 6),
            str(attrs.get("via") or ""),
            bool(attrs.get("conditional")),
            tuple(ag.findings.get(target, ())),
            LEVELS[level],
        )
        for (source, kind, target, attrs), level in zip(hops, levels, strict=True)
    ]
    entry, jewel = entries[hops[0][0]], jewels[hops[-1][2]]
    action = steps[-1].action
    path = AttackPath(entry, jewel, steps, action, entry_findings=tuple(ag.findings.get(entry.node, ())))
    path.techniques = techniques(entry.rule, [s.kind for s in steps], jewel.rule, action)
    return path
