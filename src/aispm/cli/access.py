"""``aispm access``: who can invoke, change or read an asset, and what an identity reaches."""

from __future__ import annotations

from typing import Annotated

import typer

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, OutputOption
from aispm.cli.output import write_text
from aispm.cli.paths import DepthOption, ScanOption


def register(app: typer.Typer) -> None:
    app.command("access")(access)


def access(
    asset: Annotated[
        str | None, typer.Argument(help="Asset id, ARN or unique name.", show_default=False)
    ] = None,
    identity: Annotated[
        str | None,
        typer.Option(
            "--identity", help="Reverse: what this identity (id, ARN or name) reaches.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    scan: ScanOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table or json.", case_sensitive=False)
    ] = "table",
    output: OutputOption = None,
    max_depth: DepthOption = 6,
) -> None:
    """Which identities (roles, users, leaked keys, public principals) can invoke, change or read
    ASSET and through which chain; with --identity, the reverse."""
    from aispm.cli.paths import load_result
    from aispm.paths.access import reach_of, resolve, who_can_reach
    from aispm.paths.graph import build_graph
    from aispm.paths.render import chains_json, chains_table

    if (asset is None) == (identity is None):
        fail(ValueError("give either ASSET or --identity ID"))
    if fmt.lower() not in ("table", "json"):
        fail(ValueError(f"unknown format {fmt!r}; use table or json"))
    ag = build_graph(load_result(db, scan))
    try:
        subject = resolve(ag, str(identity or asset))
    except LookupError as exc:
        fail(exc)
    reverse = identity is not None
    chains = (
        reach_of(ag, subject, max_depth=max_depth)
        if reverse
        else who_can_reach(ag, subject, max_depth=max_depth)
    )
    render = chains_json if fmt.lower() == "json" else chains_table
    write_text(render(ag, subject, chains, reverse), output)
