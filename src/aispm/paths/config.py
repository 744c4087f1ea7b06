"""The YAML data of attack-path analysis (edges, joins, rules, ATLAS map, toxic combinations)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """How an attacker moves along one edge kind."""

    ease: float
    direction: str
    """``forward``, ``reverse`` or ``both``."""
    action: str
    """``invoke``, ``read`` or ``change``."""


def _mapping(name: str) -> dict[str, Any]:
    data = load_yaml(name)
    assert isinstance(data, dict), f"data/{name} must be a mapping"
    return data


@cache
def graph_data() -> dict[str, Any]:
    """``data/paths_graph.yaml``."""
    return _mapping("paths_graph.yaml")


@cache
def edge_specs() -> dict[str, EdgeSpec]:
    """Traversable edge kinds by name."""
    return {
        k: EdgeSpec(float(v["ease"]), str(v["direction"]), str(v["action"]))
        for k, v in graph_data()["edges"].items()
    }


@cache
def rules_data() -> dict[str, Any]:
    """``data/paths_rules.yaml``."""
    return _mapping("paths_rules.yaml")


@cache
def atlas_data() -> dict[str, Any]:
    """``data/paths_atlas.yaml``."""
    return _mapping("paths_atlas.yaml")


@cache
def toxic_data() -> dict[str, Any]:
    """``data/paths_toxic.yaml``."""
    return _mapping("paths_toxic.yaml")
