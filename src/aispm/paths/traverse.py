"""Moving along the graph as an attacker: the steps out of a node, and into it (for ``access``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aispm.paths.config import EdgeSpec, edge_specs, graph_data
from aispm.paths.graph import AttackGraph

Move = tuple[int, str, float, dict[str, Any]]
"""``(next node, edge kind, ease, edge attributes)``."""


def _ease(spec: EdgeSpec, attrs: dict[str, Any]) -> float:
    if attrs.get("conditional"):
        return spec.ease * float(graph_data().get("conditional_factor", 0.5))
    return spec.ease


def moves(ag: AttackGraph, node: int) -> Iterator[Move]:
    """Where control of ``node`` leads in one step."""
    specs = edge_specs()
    for target, keyed in ag.graph._succ[node].items():
        for kind, attrs in keyed.items():
            spec = specs.get(kind)
            if spec is not None and spec.direction != "reverse":
                yield target, kind, _ease(spec, attrs), attrs
    for source, keyed in ag.graph._pred[node].items():
        for kind, attrs in keyed.items():
            spec = specs.get(kind)
            if spec is not None and spec.direction != "forward":
                yield source, kind, _ease(spec, attrs), attrs


def moves_into(ag: AttackGraph, node: int) -> Iterator[Move]:
    """Which nodes lead to ``node`` in one step (the reverse of :func:`moves`)."""
    specs = edge_specs()
    for source, keyed in ag.graph._pred[node].items():
        for kind, attrs in keyed.items():
            spec = specs.get(kind)
            if spec is not None and spec.direction != "reverse":
                yield source, kind, _ease(spec, attrs), attrs
    for target, keyed in ag.graph._succ[node].items():
        for kind, attrs in keyed.items():
            spec = specs.get(kind)
            if spec is not None and spec.direction != "forward":
                yield target, kind, _ease(spec, attrs), attrs


def action_of(kind: str) -> str:
    """What a step of this kind gives over its target (invoke / read / change)."""
    spec = edge_specs().get(kind)
    return spec.action if spec else "read"
