"""Exports of the attack graph: GraphML (networkx) and Cypher (for a Neo4j security graph)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

import networkx as nx

from aispm.paths.graph import AttackGraph


def to_graphml(ag: AttackGraph, nodes: Iterable[int] | None = None) -> str:
    """GraphML with ``asset_id``, ``kind``, ``name``, ``source`` on nodes and ``kind`` on edges."""
    keep = set(nodes) if nodes is not None else None
    out = nx.MultiDiGraph()
    for i, asset in enumerate(ag.assets):
        if keep is None or i in keep:
            out.add_node(
                asset.id,
                kind=asset.kind.value,
                name=asset.name,
                source=asset.source,
                findings=",".join(ag.finding_ids(i)),
            )
    for u, v, kind in ag.graph.edges(keys=True):
        if keep is None or (u in keep and v in keep):
            out.add_edge(ag.ids[u], ag.ids[v], key=kind, kind=kind)
    buffer = io.BytesIO()
    nx.write_graphml(out, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _literal(value: str) -> str:
    """A Cypher string literal (JSON escaping is valid Cypher escaping for these characters)."""
    return json.dumps(value, ensure_ascii=False).replace("'", "\\'")


def _label(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.upper())


def to_cypher(ag: AttackGraph, nodes: Iterable[int] | None = None) -> str:
    """``MERGE`` statements: ``(:Asset:<KIND> {id})`` nodes and ``[:<KIND>]`` relationships."""
    keep = set(nodes) if nodes is not None else None
    lines = [
        "// aispm attack graph; load with cypher-shell < file",
        "CREATE CONSTRAINT aispm_asset_id IF NOT EXISTS FOR (a:Asset) REQUIRE a.id IS UNIQUE;",
    ]
    for i, asset in enumerate(ag.assets):
        if keep is None or i in keep:
            lines.append(
                f"MERGE (a:Asset {{id: {_literal(asset.id)}}}) SET a:{_label(asset.kind.value)}, "
                f"a.name = {_literal(asset.name)}, a.kind = {_literal(asset.kind.value)}, "
                f"a.source = {_literal(asset.source)}, a.findings = {_literal(','.join(ag.finding_ids(i)))};"
            )
    for u, v, kind in ag.graph.edges(keys=True):
        if keep is None or (u in keep and v in keep):
            lines.append(
                f"MATCH (s:Asset {{id: {_literal(ag.ids[u])}}}), (t:Asset {{id: {_literal(ag.ids[v])}}}) "
                f"MERGE (s)-[:{_label(kind)}]->(t);"
            )
    return "\n".join(lines) + "\n"
