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
    """What the step gives over its target: ``invoke``, ``read`` or ``change``; ``inherit`` (the
    access held over the source, e.g. ``contains``) or ``credential`` (what the leaked credential
    at the source allows, ``grants``)."""
    from_read: bool = False
    """Can be taken by someone who only reads the source (``contains``: reading a folder reads
    what is in it); other steps need control (invoke or change) of the source."""


@dataclass(frozen=True, slots=True)
class CredentialAccess:
    """What leaked credentials give over what they ``grants`` (``credentials`` in the YAML)."""

    default: str
    secret_types: dict[str, str]
    providers: dict[str, str]
    write_scopes: tuple[str, ...]


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
        k: EdgeSpec(float(v["ease"]), str(v["direction"]), str(v["action"]), bool(v.get("from_read")))
        for k, v in graph_data()["edges"].items()
    }


@cache
def credential_access() -> CredentialAccess:
    """The ``credentials`` section of ``data/paths_graph.yaml``."""
    data = graph_data()["credentials"]
    return CredentialAccess(
        str(data["default"]),
        {str(k): str(v) for k, v in (data.get("secret_types") or {}).items()},
        {str(k): str(v) for k, v in (data.get("providers") or {}).items()},
        tuple(str(s).lower() for s in data.get("write_scopes") or ()),
    )


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
