"""Commands over the scan history: ``scans``, ``diff``, ``suppress``, ``unsuppress``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from aispm.cli.options import DbOption, FormatOption, OutputFormat, OutputOption

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported by the commands that use it
    from aispm.store import ScanSummary, Store

EXIT_USAGE = 2
"""Exit status for a bad database, id or format."""


def register(app: typer.Typer) -> None:
    """Add the history commands to ``app``."""
    app.command("scans")(scans)
    app.command("diff")(diff)
    app.command("suppress")(suppress)
    app.command("unsuppress")(unsuppress)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


@contextmanager
def _store(db: str | None) -> Iterator[Store]:
    """The history at ``db``; a :class:`StoreError` while opening or using it becomes a message on
    stderr and exit status 2."""
    from aispm.store import Store, StoreError

    try:
        with Store.open(db) as store:
            yield store
    except StoreError as exc:
        raise _fail(str(exc)) from None


def _emit(fmt: OutputFormat, output: Path | None, renderable: RenderableType, text: str) -> None:
    """Show a table (colours on a terminal) or ``text``, or write ``text`` to ``output``."""
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {output}", err=True)
    elif fmt is OutputFormat.table:
        Console(highlight=False).print(renderable)
    else:
        typer.echo(text, nl=False)


def scans(db: DbOption = None, fmt: FormatOption = OutputFormat.table, output: OutputOption = None) -> None:
    """List the kept scans, oldest first, with their asset and finding counts."""
    if fmt not in (OutputFormat.table, OutputFormat.json):
        raise _fail(f"`scans` supports --format table or json, not {fmt.value}")
    from aispm.store.diff_render import to_text

    with _store(db) as store:
        summaries = store.list_scans()
        where = store.display_url
    if fmt is OutputFormat.json:
        text = json.dumps([s.to_json() for s in summaries], indent=2, ensure_ascii=False) + "\n"
        _emit(fmt, output, Text(text), text)
        return
    renderable = _scans_table(summaries) if summaries else Text(f"No scans kept in {where}.")
    _emit(fmt, output, renderable, to_text(renderable))


def _scans_table(summaries: list[ScanSummary]) -> Table:
    table = Table(title="Scans", title_justify="left")
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("Target", overflow="fold")
    table.add_column("Started", no_wrap=True)
    table.add_column("Assets", justify="right", no_wrap=True)
    table.add_column("Findings", overflow="fold")
    for s in summaries:
        table.add_row(
            Text(s.id),
            Text(s.target),
            Text(s.started_at),
            Text(str(s.asset_count)),
            Text(_findings_cell(s)),
        )
    return table


def _findings_cell(summary: ScanSummary) -> str:
    """``3 (1 critical, 2 high)``: the total and the non-zero severities, most severe first."""
    parts = [f"{n} {sev}" for sev, n in summary.findings_by_severity.items() if n]
    return f"{summary.finding_count} ({', '.join(parts)})" if parts else "0"


def diff(
    old: Annotated[str | None, typer.Argument(help="Older scan id (default: the scan before NEW).")] = None,
    new: Annotated[str | None, typer.Argument(help="Newer scan id (default: the latest scan).")] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Show assets and findings added, removed or changed between two scans (default: the last two)."""
    from aispm.store.diff_render import diff_table, render_diff

    with _store(db) as store:
        changes = store.diff(old, new)
        new_scan = store.load_scan(changes.new_id) if fmt is OutputFormat.sarif else None
    try:
        text = render_diff(changes, fmt.value, new_scan)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _emit(fmt, output, diff_table(changes), text)


ReasonOption = Annotated[
    str, typer.Option("--reason", "-r", help="Why the finding is accepted (kept with the suppression).")
]
FingerprintArgument = Annotated[
    str, typer.Argument(help="Finding fingerprint, or a unique prefix of at least 8 characters.")
]


def suppress(fingerprint: FingerprintArgument, reason: ReasonOption, db: DbOption = None) -> None:
    """Suppress a finding in this and every later scan (it is kept but no longer fails --fail-on)."""
    with _store(db) as store:
        full = store.suppress(fingerprint, reason)
    typer.echo(f"suppressed {full}")


def unsuppress(fingerprint: FingerprintArgument, db: DbOption = None) -> None:
    """Lift the suppression of a finding."""
    with _store(db) as store:
        full = store.unsuppress(fingerprint)
    typer.echo(f"unsuppressed {full}")
