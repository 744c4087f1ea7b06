"""MITRE ATLAS techniques of a path, from ``data/paths_atlas.yaml``."""

from __future__ import annotations

from collections.abc import Iterable

from aispm.paths.config import atlas_data


def techniques(entry_rule: str, edge_kinds: Iterable[str], jewel_rule: str, action: str) -> list[str]:
    """The techniques a path enables, each once, entry first."""
    data = atlas_data()
    found: list[str] = list(data["entry_points"].get(entry_rule, ()))
    for kind in edge_kinds:
        found.extend(data["edges"].get(kind, ()))
    jewel = data["crown_jewels"].get(jewel_rule) or {}
    found.extend(jewel.get(action) or jewel.get("change") or ())
    return list(dict.fromkeys(found))
