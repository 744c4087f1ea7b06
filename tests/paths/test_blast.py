"""Agent blast radius: tools, identities, data, and the read/write/execute/exfiltrate score."""

from __future__ import annotations

from aispm.paths.blast import blast_radius
from aispm.paths.graph import build_graph

from .estate import build


def test_agent_blast_radius() -> None:
    ag = build_graph(build())
    (br,) = blast_radius(ag)
    assert {ag.assets[t].name for t in br.tools} == {"run_shell", "fetch_url"}
    assert {ag.assets[i].name for i in br.identities} == {"agent-role"}
    assert {ag.assets[d].name: a for d, a in br.data.items()} == {"kb-docs": "read"}
    score = br.score()
    assert score["execute"] == 3 and score["exfiltrate"] == 3 and score["read"] == 1 and score["write"] == 0
    assert score["total"] == 7
