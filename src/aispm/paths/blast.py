"""Agent blast radius (OWASP LLM06 excessive agency): tools → identities → data and actions.

For every agent (code or cloud) a breadth-first walk over the attack graph collects the tools it
can call, the identities they run as, and the data stores and AI resources reached, then sums a
score of what the reach allows: read, write, execute, exfiltrate (weights in
``data/paths_toxic.yaml`` ``blast_radius``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import AssetKind
from aispm.paths.config import toxic_data
from aispm.paths.graph import AttackGraph, gc_paused
from aispm.paths.traverse import CHANGE, Mover

_DATA = {AssetKind.DATA_STORE, AssetKind.DATASET, AssetKind.VECTOR_STORE, AssetKind.MODEL_ARTIFACT}
_EXEC = {AssetKind.WORKLOAD, AssetKind.PIPELINE, AssetKind.NOTEBOOK}


@dataclass(slots=True)
class BlastRadius:
    """What one agent reaches."""

    agent: int
    tools: list[int] = field(default_factory=list)
    identities: list[int] = field(default_factory=list)
    data: dict[int, str] = field(default_factory=dict)
    """Data asset -> best action (read / change)."""
    actions: dict[str, list[str]] = field(default_factory=dict)
    """read / write / execute / exfiltrate -> what gives it."""

    def score(self) -> dict[str, int]:
        """Per capability the number of reasons x its weight, and the total."""
        weights: dict[str, Any] = toxic_data()["blast_radius"]
        parts = {
            k: len(self.actions.get(k, ())) * int(weights[k])
            for k in ("read", "write", "execute", "exfiltrate")
        }
        parts["total"] = sum(parts.values())
        return parts


def blast_radius(ag: AttackGraph, *, max_depth: int = 5) -> list[BlastRadius]:
    """The blast radius of every agent, largest total first."""
    with gc_paused():
        mover = Mover(ag)
        out = [_one(ag, mover, i, max_depth) for i, a in enumerate(ag.assets) if a.kind == AssetKind.AGENT]
        return sorted(out, key=lambda b: (-b.score()["total"], ag.ids[b.agent]))


def _one(ag: AttackGraph, mover: Mover, agent: int, max_depth: int) -> BlastRadius:
    weights: dict[str, Any] = toxic_data()["blast_radius"]
    caps = {k: set(weights[f"{k}_capabilities"]) for k in ("read", "write", "execute", "exfiltrate")}
    br = BlastRadius(agent)
    seen = {agent}
    held: dict[int, int] = {agent: CHANGE}
    queue: deque[tuple[int, int]] = deque([(agent, 0)])
    while queue:
        node, depth = queue.popleft()
        if depth >= max_depth:
            continue
        for nxt, _, _, _, level in mover.forward(node, held[node]):
            asset = ag.assets[nxt]
            if asset.kind in _DATA and br.data.get(nxt) != "change":
                br.data[nxt] = "change" if level == CHANGE else "read"
            level = mover.held(nxt, level)
            if nxt in seen:
                if level > held[nxt]:  # reached again with more access: go on from there
                    held[nxt] = level
                    queue.append((nxt, depth + 1))
                continue
            seen.add(nxt)
            held[nxt] = level
            queue.append((nxt, depth + 1))
            if asset.kind == AssetKind.TOOL:
                br.tools.append(nxt)
                for cap in asset.properties.get("capabilities") or ():
                    for bucket, names in caps.items():
                        if cap in names:
                            br.actions.setdefault(bucket, []).append(f"tool {asset.name}: {cap}")
            elif asset.kind == AssetKind.IDENTITY:
                br.identities.append(nxt)
            elif asset.kind in _EXEC:
                br.actions.setdefault("execute", []).append(f"{asset.kind.value} {asset.name}")
            elif asset.kind == AssetKind.MCP_SERVER:
                br.actions.setdefault("exfiltrate", []).append(f"mcp server {asset.name}")
    for node, action in br.data.items():
        bucket = "write" if action == "change" else "read"
        br.actions.setdefault(bucket, []).append(f"{ag.assets[node].kind.value} {ag.assets[node].name}")
    return br
