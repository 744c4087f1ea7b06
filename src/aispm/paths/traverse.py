"""Moving along the graph as an attacker, with the access each step gives.

Access is a level: ``read`` < ``invoke`` < ``change``.  Each step gives a level over its target
(``data/paths_graph.yaml`` ``edges``): a fixed one (``can_read`` reads, ``can_write`` changes), the
level held over the source (``inherit``: ``contains``, ``same_as``), or what a leaked credential
allows (``credential``: ``grants``, see :meth:`Mover.credential`).  Someone who only *reads* a
node can leave it only along ``from_read`` steps (the contents of what they read); every other
step needs control (invoke or change).  A secret reached with any access is held in full: reading
a key is enough to use it.

:class:`Mover` walks forwards (``forward``: where a node held at some level leads) and backwards
(``backward``: which nodes lead to a node, and what they must be held at).  Backwards a node is
needed at ``ANY`` level or at ``MOVE`` (control, to take a step that needs it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aispm.core.model import AssetKind
from aispm.paths.config import credential_access, edge_specs, graph_data
from aispm.paths.graph import AttackGraph

READ, INVOKE, CHANGE = 0, 1, 2
LEVELS = ("read", "invoke", "change")
"""Level -> name."""
ANY, MOVE = 0, 1
"""What a node must be held at, going backwards: any level, or control (invoke or change)."""

_INHERIT, _CREDENTIAL = -1, -2
_LEVEL_NAMES = {"read": READ, "invoke": INVOKE, "change": CHANGE, "write": CHANGE, "admin": CHANGE}

Move = tuple[int, str, float, dict[str, Any], int]
"""``(other node, edge kind, ease, edge attributes, level)``: forwards the level the step gives
over the next node; backwards the need (``ANY`` / ``MOVE``) on the previous node."""


def level_of(name: str) -> int:
    """The level of an access name (``read``, ``invoke``, ``change``; ``write`` / ``admin`` = change)."""
    try:
        return _LEVEL_NAMES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown access {name!r}; use read, invoke or change") from None


@dataclass(frozen=True, slots=True)
class _Spec:
    ease: float
    forward: bool
    reverse: bool
    action: int
    """A level, ``_INHERIT`` or ``_CREDENTIAL``."""
    from_read: bool


def _specs() -> dict[str, _Spec]:
    out = {}
    for kind, spec in edge_specs().items():
        action = {"inherit": _INHERIT, "credential": _CREDENTIAL}.get(spec.action)
        out[kind] = _Spec(
            spec.ease,
            spec.direction != "reverse",
            spec.direction != "forward",
            level_of(spec.action) if action is None else action,
            spec.from_read,
        )
    return out


class Mover:
    """The movement rules over one graph (credential levels are worked out once per node)."""

    def __init__(self, ag: AttackGraph) -> None:
        self.ag = ag
        self.specs = _specs()
        self.factor = float(graph_data().get("conditional_factor", 0.5))
        self.secrets = frozenset(i for i, a in enumerate(ag.assets) if a.kind is AssetKind.SECRET)
        """Nodes held in full once reached."""
        self._credentials: dict[int, int] = {}
        self._moves: dict[int, list[Move]] = {}
        # (ease, action, from_read) of the kinds that move along / against the edge direction
        self._along = {k: (s.ease, s.action, s.from_read) for k, s in self.specs.items() if s.forward}
        self._against = {k: (s.ease, s.action, s.from_read) for k, s in self.specs.items() if s.reverse}

    def ease(self, kind: str, attrs: dict[str, Any] | Any) -> float:
        """How easy one step of ``kind`` is (harder when the grant is conditional)."""
        spec = self.specs[kind]
        return spec.ease * self.factor if attrs.get("conditional") else spec.ease

    def is_secret(self, node: int) -> bool:
        return node in self.secrets

    def held(self, node: int, level: int) -> int:
        """The level ``node`` is held at once reached with ``level`` (a secret is held in full)."""
        return CHANGE if node in self.secrets else level

    def credential(self, node: int) -> int:
        """What the credential at ``node`` gives over what it grants (read when not a secret)."""
        found = self._credentials.get(node)
        if found is None:
            found = credential_level(self.ag.assets[node].properties) if node in self.secrets else READ
            self._credentials[node] = found
        return found

    def _gives(self, action: int, source: int, held: int) -> int:
        if action == _INHERIT:
            return held
        if action == _CREDENTIAL:
            return self.credential(source)
        return action

    def forward(self, node: int, held: int) -> Iterator[Move]:
        """Where ``node``, held at ``held``, leads in one step, with the level over the next node."""
        factor, reading = self.factor, held == READ
        graph = self.ag.graph
        for table, adjacency in ((self._along, graph._succ), (self._against, graph._pred)):
            for other, keyed in adjacency[node].items():
                for kind, attrs in keyed.items():
                    spec = table.get(kind)
                    if spec is None or (reading and not spec[2]):
                        continue
                    ease, action = spec[0], spec[1]
                    if attrs and attrs.get("conditional"):
                        ease *= factor
                    if action < 0:
                        action = held if action == _INHERIT else self.credential(node)
                    yield other, kind, ease, attrs, action

    def moves_from(self, node: int, held: int) -> list[Move]:
        """:meth:`forward` as a list, worked out once per (node, level) (searches that settle a
        node several times, once per entry point, reuse it)."""
        key = node * 3 + held
        found = self._moves.get(key)
        if found is None:
            found = self._moves[key] = list(self.forward(node, held))
        return found

    def backward(self, node: int, need: int) -> Iterator[Move]:
        """Which nodes lead to ``node`` held at ``need`` in one step, and what they must be held at."""
        factor, secrets = self.factor, self.secrets
        satisfied = need == ANY or node in secrets
        graph = self.ag.graph
        for table, adjacency in ((self._along, graph._pred), (self._against, graph._succ)):
            for prev, keyed in adjacency[node].items():
                for kind, attrs in keyed.items():
                    spec = table.get(kind)
                    if spec is None:
                        continue
                    ease, action, from_read = spec
                    prev_need = ANY if from_read else MOVE
                    if not satisfied:
                        if action == _INHERIT:
                            prev_need = MOVE
                        elif action == READ or (action == _CREDENTIAL and self.credential(prev) == READ):
                            continue
                    if prev in secrets:
                        prev_need = ANY
                    if attrs and attrs.get("conditional"):
                        ease *= factor
                    yield prev, kind, ease, attrs, prev_need

    def walk(self, start: int, hops: Sequence[tuple[int, str, int]]) -> list[int] | None:
        """The level each hop gives over its target, from ``hops[0]``'s source held at ``start``;
        None when a hop needs control that is not held."""
        held, levels = start, []
        for source, kind, target in hops:
            spec = self.specs.get(kind)
            if spec is None or (held == READ and not spec.from_read):
                return None
            level = self._gives(spec.action, source, held)
            levels.append(level)
            held = self.held(target, level)
        return levels


def credential_level(properties: Any) -> int:
    """What a leaked credential allows, from its ``access``, ``scopes``, ``secret_type`` or
    ``provider`` (``credentials`` in ``data/paths_graph.yaml``)."""
    data = credential_access()
    access = properties.get("access")
    if isinstance(access, str) and access.strip().lower() in _LEVEL_NAMES:
        return level_of(access)
    scopes = properties.get("scopes")
    if isinstance(scopes, list | tuple):
        return CHANGE if any(_writes(str(s), data.write_scopes) for s in scopes) else READ
    by_type = data.secret_types.get(str(properties.get("secret_type") or ""))
    if by_type:
        return level_of(by_type)
    by_provider = data.providers.get(str(properties.get("provider") or "").lower())
    return level_of(by_provider or data.default)


def _writes(scope: str, write_scopes: tuple[str, ...]) -> bool:
    scope = scope.strip().lower()
    return scope in write_scopes or scope.startswith(("write", "admin", "delete")) or scope.endswith(":write")
