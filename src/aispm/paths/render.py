"""Attack paths, access chains and blast radii as JSON-ready dicts and as plain text tables."""

from __future__ import annotations

import json
from typing import Any

from aispm.paths.access import Chain
from aispm.paths.blast import BlastRadius
from aispm.paths.graph import AttackGraph
from aispm.paths.search import AttackPath


def node_json(ag: AttackGraph, node: int) -> dict[str, Any]:
    asset = ag.assets[node]
    return {"id": asset.id, "kind": asset.kind.value, "name": asset.name, "source": asset.source}


def path_json(ag: AttackGraph, path: AttackPath) -> dict[str, Any]:
    """One path with its score parts, steps, findings, techniques and escalations."""
    raised = {e["fingerprint"]: e["to"] for e in path.escalations}
    return {
        "score": path.score,
        "score_parts": {
            "entry_ease": path.entry.weight,
            "step_ease": [s.ease for s in path.steps],
            "ease": round(path.ease, 6),
            "target_value": path.jewel.weight,
            "target_value_reasons": list(path.jewel.reasons),
        },
        "entry_point": {
            **node_json(ag, path.entry.node),
            "rule": path.entry.rule,
            "title": path.entry.title,
            "access": path.entry.access,
            "findings": [f.rule_id for f in path.entry_findings],
        },
        "crown_jewel": {**node_json(ag, path.jewel.node), "rule": path.jewel.rule, "title": path.jewel.title},
        "action": path.action,
        "steps": [
            {
                "from": ag.ids[s.source],
                "to": node_json(ag, s.target),
                "kind": s.kind,
                "action": s.action,
                "ease": s.ease,
                "via": s.via,
                "conditional": s.conditional,
                "findings": [
                    {
                        "rule_id": f.rule_id,
                        "fingerprint": f.fingerprint,
                        "severity": f.severity.value,
                        "raised_to": raised.get(f.fingerprint),
                    }
                    for f in s.findings
                ],
            }
            for s in path.steps
        ],
        "mitre_atlas": path.techniques,
        "escalations": path.escalations,
    }


def paths_json(ag: AttackGraph, paths: list[AttackPath], blast: list[BlastRadius] | None = None) -> str:
    doc: dict[str, Any] = {
        "graph": {"nodes": ag.graph.number_of_nodes(), "edges": ag.graph.number_of_edges()},
        "paths": [path_json(ag, p) for p in paths],
    }
    if blast is not None:
        doc["agents"] = [blast_json(ag, b) for b in blast]
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def blast_json(ag: AttackGraph, br: BlastRadius) -> dict[str, Any]:
    return {
        "agent": node_json(ag, br.agent),
        "tools": [node_json(ag, n) for n in br.tools],
        "identities": [node_json(ag, n) for n in br.identities],
        "data": [{**node_json(ag, n), "access": a} for n, a in br.data.items()],
        "actions": br.actions,
        "score": br.score(),
    }


def step_text(ag: AttackGraph, path: AttackPath) -> str:
    parts = [ag.assets[path.entry.node].name]
    for s in path.steps:
        rules = ",".join(f.rule_id for f in s.findings)
        parts.append(f"-{s.kind}({s.ease:g}{' ' + rules if rules else ''})-> {ag.assets[s.target].name}")
    return " ".join(parts)


def paths_table(ag: AttackGraph, paths: list[AttackPath], blast: list[BlastRadius] | None = None) -> str:
    """Plain text: one block per path (score = ease parts x value), then agents."""
    lines = [
        f"{len(paths)} attack path(s) over {ag.graph.number_of_nodes()} nodes / "
        f"{ag.graph.number_of_edges()} edges"
    ]
    for i, p in enumerate(paths, 1):
        eases = " x ".join(f"{e:g}" for e in [p.entry.weight] + [s.ease for s in p.steps])
        lines.append("")
        lines.append(
            f"#{i} score {p.score:g} = ({eases}) x value {p.jewel.weight:g}  [{p.action} {p.jewel.title}]"
        )
        lines.append(f"   entry: {p.entry.title} ({ag.assets[p.entry.node].name})")
        lines.append(f"   path:  {step_text(ag, p)}")
        lines.append(f"   ATLAS: {', '.join(p.techniques) or '-'}")
        for e in p.escalations:
            lines.append(
                f"   escalated: {e['rule_id']} {e['from']} -> {e['to']} ({e['combination']}: {e['reason']})"
            )
    if blast:
        lines.append("")
        lines.append("Agent blast radius")
        for br in blast:
            sc = br.score()
            lines.append(
                f"  {ag.assets[br.agent].name}: total {sc['total']} (read {sc['read']}, write {sc['write']}, "
                f"execute {sc['execute']}, exfiltrate {sc['exfiltrate']}); tools {len(br.tools)}, "
                f"identities {len(br.identities)}, data {len(br.data)}"
            )
    return "\n".join(lines) + "\n"


def chains_json(ag: AttackGraph, subject: int, chains: list[Chain], reverse: bool) -> str:
    key = "reaches" if reverse else "reachable_by"
    return (
        json.dumps(
            {
                ("identity" if reverse else "asset"): node_json(ag, subject),
                key: [
                    {
                        **node_json(ag, c.holder),
                        "type": c.holder_type,
                        "action": c.action,
                        "chain": [{"from": ag.ids[a], "kind": k, "to": ag.ids[b]} for a, k, b in c.hops],
                    }
                    for c in chains
                ],
            },
            indent=2,
        )
        + "\n"
    )


def chains_table(ag: AttackGraph, subject: int, chains: list[Chain], reverse: bool) -> str:
    head = "reaches" if reverse else "can be reached by"
    lines = [f"{ag.assets[subject].name} ({ag.ids[subject]}) {head} {len(chains)}:"]
    for c in chains:
        chain = " ".join(
            [ag.assets[c.hops[0][0]].name] + [f"-{k}-> {ag.assets[b].name}" for _, k, b in c.hops]
        )
        lines.append(f"  {c.action:<7} {c.holder_type:<12} {ag.assets[c.holder].name}: {chain}")
    return "\n".join(lines) + "\n"
