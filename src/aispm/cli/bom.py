"""``aispm bom``: export a kept scan's AI inventory as a CycloneDX 1.6 AI bill of materials."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, OutputOption
from aispm.cli.output import write_text


class BomFormat(StrEnum):
    cyclonedx_json = "cyclonedx-json"
    cyclonedx_xml = "cyclonedx-xml"


def register(app: typer.Typer) -> None:
    app.command("bom")(bom)


def bom(
    scan_id: Annotated[
        str | None, typer.Argument(help="Scan id (default: the latest kept scan).", show_default=False)
    ] = None,
    db: DbOption = None,
    output: OutputOption = None,
    fmt: Annotated[
        BomFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="BOM format. Default: cyclonedx-xml for an -o file ending in .xml, else cyclonedx-json.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export the models, model files, datasets, AI services and AI dependencies of a kept scan
    as a CycloneDX 1.6 AI-BOM (to stdout, or to -o FILE)."""
    from aispm.report.aibom import render_bom
    from aispm.store import Store

    chosen = fmt or (BomFormat.cyclonedx_xml if output and output.suffix.lower() == ".xml" else None)
    chosen = chosen or BomFormat.cyclonedx_json
    try:
        with Store.open(db) as store:
            wanted = scan_id or next(iter(store.latest_scan_ids(1)), None)
            if wanted is None:
                raise LookupError(f"no scans kept in {store.display_url}; run `aispm scan` first")
            result = store.load_scan(wanted)
    except Exception as exc:
        fail(exc)
    write_text(render_bom(result, chosen.value), output)
    if output is not None:
        typer.echo(f"{chosen.value} AI-BOM of scan {result.scan_id}: {Path(output).resolve()}", err=True)
