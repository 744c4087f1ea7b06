"""Attack paths in HTML: each path a graph to pan, zoom and click.

One renderer for ``aispm paths --format html`` (:func:`render_paths_html`) and the "Attack paths"
section of the scan report (:func:`attack_paths_view`, used by :mod:`aispm.report.html_report`):
the macros of ``templates/_paths.html.j2`` (path cards, toxic-combination table), the styles of
``templates/paths_graph.css`` and the SVG renderer ``templates/paths_graph.js`` — aispm's own
script (no third-party code), inlined so the page works offline, allowed by the page's Content
Security Policy by hash.  Scan text reaches the page only through Jinja2 autoescape and a JSON
block whose ``<``, ``>`` and ``&`` are escaped, and the script writes it with ``textContent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from aispm.report.common import TOOL_NAME, TOOL_VERSION
from aispm.report.html_base import asset_text, content_security_policy, env, json_for_script

if TYPE_CHECKING:
    from aispm.paths.graph import AttackGraph
    from aispm.paths.search import AttackPath

GRAPH_SCRIPT = "paths_graph.js"
GRAPH_STYLE = "paths_graph.css"
OPEN_PATHS = 5
"""Path cards shown open; the others start folded (their graphs are drawn all the same)."""

__all__ = ["attack_paths_view", "graph_script", "graph_style", "json_for_script", "render_paths_html"]


def graph_script() -> str:
    """The shared SVG renderer (reads ``#paths-data``, draws every ``svg.graph[data-path]``)."""
    return asset_text(GRAPH_SCRIPT)


def graph_style() -> str:
    """The shared styles of path cards and graphs."""
    return asset_text(GRAPH_STYLE)


def render_paths_html(
    target: str,
    paths: list[dict[str, Any]],
    nodes: int,
    edges: int,
    toxic: list[dict[str, Any]] | None = None,
) -> str:
    """The page for paths already turned into JSON by :func:`aispm.paths.render.path_json`."""
    css = asset_text("paths.css") + graph_style()
    js = graph_script()
    return env.get_template("paths.html.j2").render(
        tool={"name": TOOL_NAME, "version": TOOL_VERSION},
        target=target,
        paths=paths,
        nodes=nodes,
        edges=edges,
        toxic=toxic or [],
        open_paths=OPEN_PATHS,
        csp=content_security_policy(css, [js]),
        css=Markup(css),  # our own packaged files, not scan data
        js=Markup(js),
        data=Markup(json_for_script({"paths": paths})),
    )


def attack_paths_view(ag: AttackGraph, paths: list[AttackPath], shown: int) -> dict[str, Any]:
    """What the report's "Attack paths" section shows: the ``shown`` highest-scoring paths as
    JSON, every toxic combination met on any path, and the totals."""
    from aispm.paths.render import path_json

    top = [path_json(ag, p) for p in paths[:shown]]
    return {
        "paths": top,
        "total": len(paths),
        "nodes": ag.graph.number_of_nodes(),
        "edges": ag.graph.number_of_edges(),
        "toxic": toxic_combinations(ag, paths, shown),
        "open_paths": OPEN_PATHS,
        "data": Markup(json_for_script({"paths": top})),
    }


def toxic_combinations(ag: AttackGraph, paths: list[AttackPath], shown: int) -> list[dict[str, Any]]:
    """Each toxic combination met on a path: its reason, the findings it raises (from → to), how
    many paths meet it and which of the ``shown`` paths (by rank, from 1)."""
    combos: dict[str, dict[str, Any]] = {}
    for rank, path in enumerate(paths, 1):
        for esc in path.escalations:
            combo = combos.setdefault(
                esc["combination"],
                {"id": esc["combination"], "reason": esc["reason"], "findings": {}, "ranks": set()},
            )
            node = ag.node(esc["asset_id"])
            combo["findings"].setdefault(
                esc["fingerprint"],
                {
                    "rule_id": esc["rule_id"],
                    "asset": ag.assets[node].name if node is not None else esc["asset_id"],
                    "from": esc["from"],
                    "to": esc["to"],
                },
            )
            combo["ranks"].add(rank)
    return [
        {
            "id": c["id"],
            "reason": c["reason"],
            "findings": list(c["findings"].values()),
            "paths": len(c["ranks"]),
            "shown": sorted(r for r in c["ranks"] if r <= shown)[:10],
        }
        for c in sorted(combos.values(), key=lambda c: (min(c["ranks"]), c["id"]))
    ]
