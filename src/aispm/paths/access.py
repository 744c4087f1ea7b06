"""Who can reach what: the identities that can invoke, change or read an asset, and the reverse.

An *identity* here is anything that holds access: a role or user, a trusted outside principal
(``*``, a foreign account), a leaked key (``secret``) and the public (an entry point marked
``public``, e.g. a function URL with ``AuthType NONE``).  The chain is the shortest sequence of
steps (can_assume, runs_as, can_pass_role, grants, exposes ...) from the identity to the asset.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from aispm.core.model import AssetKind
from aispm.paths.graph import AttackGraph
from aispm.paths.rules import entry_points
from aispm.paths.traverse import action_of, moves, moves_into

DEFAULT_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Chain:
    """One holder of access and how it reaches the other end."""

    holder: int
    """The identity (for ``who_can_reach``) or the asset reached (for ``reach_of``)."""
    action: str
    """invoke / read / change, from the step that touches the asset."""
    hops: tuple[tuple[int, str, int], ...]
    """``(source, kind, target)`` steps, in attack order."""
    holder_type: str
    """role, user, principal, leaked_key, public, identity — or the reached asset's kind."""


def holder_type(ag: AttackGraph, node: int, public: set[int]) -> str | None:
    """What kind of access holder a node is, or None when it holds nothing by itself."""
    asset = ag.assets[node]
    if node in public:
        return "public"
    if asset.kind == AssetKind.SECRET:
        return "leaked_key"
    if asset.kind == AssetKind.IDENTITY:
        rtype = str(asset.properties.get("resource_type") or "")
        return {"iam:role": "role", "iam:user": "user", "principal": "principal"}.get(rtype, "identity")
    return None


def who_can_reach(ag: AttackGraph, target: int, *, max_depth: int = DEFAULT_DEPTH) -> list[Chain]:
    """Every holder that reaches ``target``, with its shortest chain (breadth-first, backwards)."""
    public = {n for n, m in entry_points(ag).items() if m.public}
    parent: dict[int, tuple[int, str]] = {target: (-1, "")}
    queue: deque[tuple[int, int]] = deque([(target, 0)])
    chains: list[Chain] = []
    while queue:
        node, depth = queue.popleft()
        kind_of = holder_type(ag, node, public) if node != target else None
        if kind_of is not None:
            hops = _hops_forward(parent, node)
            chains.append(Chain(node, action_of(hops[-1][1]), hops, kind_of))
        if depth >= max_depth:
            continue
        for prev, kind, _, _ in moves_into(ag, node):
            if prev not in parent:
                parent[prev] = (node, kind)
                queue.append((prev, depth + 1))
    return sorted(chains, key=lambda c: (len(c.hops), c.holder_type, ag.ids[c.holder]))


def _hops_forward(parent: dict[int, tuple[int, str]], start: int) -> tuple[tuple[int, str, int], ...]:
    hops = []
    node = start
    while parent[node][0] != -1:
        nxt, kind = parent[node]
        hops.append((node, kind, nxt))
        node = nxt
    return tuple(hops)


INTERESTING = {
    AssetKind.MODEL,
    AssetKind.MODEL_ENDPOINT,
    AssetKind.MODEL_ARTIFACT,
    AssetKind.AGENT,
    AssetKind.DATASET,
    AssetKind.DATA_STORE,
    AssetKind.VECTOR_STORE,
    AssetKind.PIPELINE,
    AssetKind.REGISTRY,
    AssetKind.GUARDRAIL,
    AssetKind.NOTEBOOK,
    AssetKind.WORKLOAD,
    AssetKind.IDENTITY,
    AssetKind.AI_SERVICE,
}


def reach_of(ag: AttackGraph, source: int, *, max_depth: int = DEFAULT_DEPTH) -> list[Chain]:
    """Every AI asset, data store and identity ``source`` reaches, with its shortest chain."""
    parent: dict[int, tuple[int, str]] = {source: (-1, "")}
    queue: deque[tuple[int, int]] = deque([(source, 0)])
    chains: list[Chain] = []
    while queue:
        node, depth = queue.popleft()
        if node != source and ag.assets[node].kind in INTERESTING:
            hops = tuple(reversed(_hops_back(parent, node)))
            chains.append(Chain(node, action_of(hops[-1][1]), hops, ag.assets[node].kind.value))
        if depth >= max_depth:
            continue
        for nxt, kind, _, _ in moves(ag, node):
            if nxt not in parent:
                parent[nxt] = (node, kind)
                queue.append((nxt, depth + 1))
    return sorted(chains, key=lambda c: (len(c.hops), c.holder_type, ag.ids[c.holder]))


def _hops_back(parent: dict[int, tuple[int, str]], end: int) -> list[tuple[int, str, int]]:
    hops = []
    node = end
    while parent[node][0] != -1:
        prev, kind = parent[node]
        hops.append((prev, kind, node))
        node = prev
    return hops


def resolve(ag: AttackGraph, text: str) -> int:
    """The node of an asset given by id, ARN, or unique name; raises LookupError otherwise."""
    node = ag.node(text)
    if node is not None:
        return node
    found = [
        i
        for i, a in enumerate(ag.assets)
        if a.properties.get("arn") == text or a.name == text or (a.location and a.location.uri == text)
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"no asset {text!r} in this scan (give its id, ARN or name)")
    choices = ", ".join(ag.ids[i] for i in found[:5])
    raise LookupError(f"{text!r} names {len(found)} assets; give one id: {choices}")
