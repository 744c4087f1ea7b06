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
from aispm.paths.graph import AttackGraph, gc_paused
from aispm.paths.rules import entry_points
from aispm.paths.traverse import ANY, CHANGE, INVOKE, LEVELS, Mover, level_of

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
    """Every holder that reaches ``target``, with its shortest chain (breadth-first, backwards).

    The search runs over (node, what the node must be held at): a holder counts only when what it
    holds is enough for the whole chain (a read-only key reaches what is in a repository, not the
    Lambda its Terraform deploys); the action is what the chain's last step gives.
    """
    with gc_paused():
        return _who_can_reach(ag, target, max_depth)


def _who_can_reach(ag: AttackGraph, target: int, max_depth: int) -> list[Chain]:
    entries = entry_points(ag)
    public = {n for n, m in entries.items() if m.public}
    mover = Mover(ag)
    start = (target, ANY)
    parent: dict[tuple[int, int], tuple[tuple[int, int], str]] = {start: ((-1, ANY), "")}
    queue: deque[tuple[tuple[int, int], int]] = deque([(start, 0)])
    chains: dict[int, Chain] = {}
    while queue:
        state, depth = queue.popleft()
        node, need = state
        kind_of = holder_type(ag, node, public) if node != target else None
        if kind_of is not None and node not in chains:
            held = mover.held(node, level_of(entries[node].access) if node in public else CHANGE)
            if need == ANY or held >= INVOKE:
                hops = _hops_forward(parent, state)
                levels = mover.walk(held, hops)
                if levels is not None:
                    chains[node] = Chain(node, LEVELS[levels[-1]], hops, kind_of)
        if depth >= max_depth:
            continue
        for prev, kind, _, _, prev_need in mover.backward(node, need):
            prev_state = (prev, prev_need)
            if prev_state not in parent:
                parent[prev_state] = (state, kind)
                queue.append((prev_state, depth + 1))
    return sorted(chains.values(), key=lambda c: (len(c.hops), c.holder_type, ag.ids[c.holder]))


def _hops_forward(
    parent: dict[tuple[int, int], tuple[tuple[int, int], str]], start: tuple[int, int]
) -> tuple[tuple[int, str, int], ...]:
    hops = []
    state = start
    while parent[state][0][0] != -1:
        nxt, kind = parent[state]
        hops.append((state[0], kind, nxt[0]))
        state = nxt
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
    """Every AI asset, data store and identity ``source`` reaches, with the most access it gets
    (read < invoke < change) and the shortest chain that gives it (breadth-first over
    (node, level held); ``source`` is held in full)."""
    with gc_paused():
        return _reach_of(ag, source, max_depth)


def _reach_of(ag: AttackGraph, source: int, max_depth: int) -> list[Chain]:
    mover = Mover(ag)
    start = (source, mover.held(source, CHANGE))
    parent: dict[tuple[int, int], tuple[tuple[int, int], str]] = {start: ((-1, 0), "")}
    queue: deque[tuple[tuple[int, int], int]] = deque([(start, 0)])
    best: dict[int, tuple[int, Chain]] = {}
    while queue:
        state, depth = queue.popleft()
        node, held = state
        if depth >= max_depth:
            continue
        for nxt, kind, _, _, level in mover.forward(node, held):
            next_state = (nxt, mover.held(nxt, level))
            if next_state in parent:
                continue
            parent[next_state] = (state, kind)
            queue.append((next_state, depth + 1))
            previous = best.get(nxt)
            if (
                nxt != source
                and ag.assets[nxt].kind in INTERESTING
                and (previous is None or previous[0] < level)
            ):
                hops = tuple(reversed(_hops_back(parent, next_state)))
                best[nxt] = (level, Chain(nxt, LEVELS[level], hops, ag.assets[nxt].kind.value))
    chains = [chain for _, chain in best.values()]
    return sorted(chains, key=lambda c: (len(c.hops), c.holder_type, ag.ids[c.holder]))


def _hops_back(
    parent: dict[tuple[int, int], tuple[tuple[int, int], str]], end: tuple[int, int]
) -> list[tuple[int, str, int]]:
    hops = []
    state = end
    while parent[state][0][0] != -1:
        prev, kind = parent[state]
        hops.append((prev[0], kind, state[0]))
        state = prev
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
