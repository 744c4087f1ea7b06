"""``aispm paths``: attack paths from entry points to crown jewels of a kept scan."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, OutputOption
from aispm.cli.output import write_text
from aispm.core.model import ScanResult


class PathsFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    graphml = "graphml"
    cypher = "cypher"


_SUFFIX = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".graphml": "graphml",
    ".cypher": "cypher",
    ".cql": "cypher",
}

ScanOption = Annotated[
    str | None,
    typer.Option("--scan", help="Scan id (default: the latest kept scan).", show_default=False),
]
DepthOption = Annotated[int, typer.Option("--max-depth", min=1, max=20, help="Longest path, in steps.")]


def register(app: typer.Typer) -> None:
    app.command("paths")(paths)


def load_result(db: str | None, scan: str | None) -> ScanResult:
    """A kept scan (the latest when ``scan`` is None); errors end the command with a message."""
    from aispm.store import Store

    try:
        with Store.open(db) as store:
            wanted = scan or next(iter(store.latest_scan_ids(1)), None)
            if wanted is None:
                raise LookupError(f"no scans kept in {store.display_url}; run `aispm scan` first")
            return store.load_scan(wanted)
    except Exception as exc:
        fail(exc)


def paths(
    db: DbOption = None,
    scan: ScanOption = None,
    fmt: Annotated[
        PathsFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, html, graphml or cypher (default: from -o's extension, else table).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    max_depth: DepthOption = 6,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Show at most this many paths (0: all).")] = 50,
    per_jewel: Annotated[
        int,
        typer.Option(
            "--per-jewel",
            min=1,
            max=100,
            help="Easiest paths to each crown jewel from this many distinct entry points "
            "(every entry point also gets its own best path).",
        ),
    ] = 5,
) -> None:
    """Attack paths from entry points (public URLs, leaked keys ...) to crown jewels (training data,
    models, registries ...), ranked by ease x value, with ATLAS techniques, toxic combinations and
    the blast radius of every agent."""
    from aispm.paths.blast import blast_radius
    from aispm.paths.export import to_cypher, to_graphml
    from aispm.paths.graph import build_graph
    from aispm.paths.render import path_json, paths_json, paths_table
    from aispm.paths.search import find_paths
    from aispm.report.graph_html import render_paths_html, toxic_combinations

    chosen = fmt.value if fmt else _SUFFIX.get(output.suffix.lower(), "table") if output else "table"
    result = load_result(db, scan)
    ag = build_graph(result)
    found = find_paths(ag, max_depth=max_depth, limit=limit or None, per_jewel=per_jewel)
    if chosen == "json":
        text = paths_json(ag, found, blast_radius(ag))
    elif chosen == "html":
        text = render_paths_html(
            result.target,
            [path_json(ag, p) for p in found],
            ag.graph.number_of_nodes(),
            ag.graph.number_of_edges(),
            toxic_combinations(ag, found, len(found)),
        )
    elif chosen in ("graphml", "cypher"):
        text = (to_graphml if chosen == "graphml" else to_cypher)(ag)
    else:
        text = paths_table(ag, found, blast_radius(ag))
    write_text(text, output)
    if output is not None:
        typer.echo(f"{chosen} attack paths of scan {result.scan_id}: {Path(output).resolve()}", err=True)
