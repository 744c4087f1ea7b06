"""``aispm db``: download OSV advisories for offline scans and show what is installed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TransferSpeedColumn
from rich.table import Table

from aispm.advisories.db import default_dir, zip_name
from aispm.advisories.download import (
    DEFAULT_URL_BASE,
    ECOSYSTEMS,
    Downloaded,
    DownloadError,
    download_export,
    read_metadata,
    write_metadata,
)
from aispm.cli.errors import EXIT_ERROR

STALE_DAYS = 7
"""``db status`` suggests an update when a download is older than this."""

EcosystemOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ecosystem",
        "-e",
        help=f"Ecosystem to download (repeatable; default: {', '.join(ECOSYSTEMS)}).",
        show_default=False,
    ),
]
DestOption = Annotated[
    Path | None,
    typer.Option(
        "--dest",
        help="Directory of the advisory database (default: the user cache directory).",
        file_okay=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to the root app."""
    db_app = typer.Typer(
        help="Manage the offline vulnerability advisory database (OSV).", no_args_is_help=True
    )
    db_app.command("update")(update)
    db_app.command("status")(status)
    app.add_typer(db_app, name="db")


def _ecosystems(requested: list[str] | None) -> list[str]:
    canonical = {e.lower(): e for e in ECOSYSTEMS}
    chosen: list[str] = []
    for name in requested or list(ECOSYSTEMS):
        eco = canonical.get(name.strip().lower())
        if eco is None:
            raise typer.BadParameter(f"{name!r} is not supported; use one of: {', '.join(ECOSYSTEMS)}")
        if eco not in chosen:
            chosen.append(eco)
    return chosen


def update(
    ecosystem: EcosystemOption = None,
    dest: DestOption = None,
    url_base: Annotated[
        str, typer.Option("--url-base", help="Base URL of the OSV exports (<base>/<Ecosystem>/all.zip).")
    ] = DEFAULT_URL_BASE,
    timeout: Annotated[float, typer.Option("--timeout", help="Network timeout in seconds.", min=1)] = 30.0,
) -> None:
    """Download the OSV advisories of each ecosystem (needs network; scans then work offline)."""
    ecosystems = _ecosystems(ecosystem)
    target = dest or default_dir()
    err = Console(stderr=True)
    done: list[Downloaded] = []
    failed = False
    with (
        httpx.Client(timeout=timeout, follow_redirects=True) as client,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        for eco in ecosystems:
            task = progress.add_task(f"{eco} advisories", total=None)

            def advance(received: int, total: int | None, task_id: TaskID = task) -> None:
                progress.update(task_id, completed=received, total=total)

            try:
                done.append(download_export(client, eco, target, url_base, advance))
            except DownloadError as exc:
                err.print(f"[bold red]error:[/] {escape(str(exc))}")
                failed = True
            except OSError as exc:
                err.print(f"[bold red]error:[/] cannot write to {escape(str(target))}: {exc.strerror or exc}")
                failed = True
            progress.remove_task(task)
    if done:
        write_metadata(target, done)
    for item in done:
        skipped = f", {item.skipped:,} malformed skipped" if item.skipped else ""
        err.print(
            f"{item.ecosystem}: {item.records:,} advisories ({item.size / 1_048_576:.1f} MiB{skipped}) "
            f"in {escape(str(item.path))}"
        )
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _age(stamp: str | None, path: Path) -> tuple[str, float]:
    """(when, age in days) from the recorded download time, else the file's modification time."""
    try:
        when = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        when = None
    if when is None:
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    days = (datetime.now(UTC) - when).total_seconds() / 86400
    return when.strftime("%Y-%m-%d %H:%M UTC"), days


def _describe_age(days: float) -> str:
    if days < 1 / 24:
        return "just now"
    if days < 1:
        return f"{days * 24:.0f} h ago"
    return f"{days:.0f} days ago"


def status(dest: DestOption = None) -> None:
    """Show which advisory exports are installed, how many records they hold and how old they are."""
    target = dest or default_dir()
    console = Console()
    metadata = read_metadata(target)
    recorded = metadata.get("ecosystems")
    if not isinstance(recorded, dict):
        recorded = {}
    table = Table(title=f"Advisory database: {escape(str(target))}")
    for column in ("ecosystem", "file", "size", "advisories", "downloaded", "age"):
        table.add_column(column)
    stale = False
    for eco in ECOSYSTEMS:
        path = target / zip_name(eco)
        if not path.is_file():
            continue
        info = recorded.get(eco)
        if not isinstance(info, dict):
            info = {}
        when, days = _age(info.get("downloaded_at"), path)
        stale = stale or days > STALE_DAYS
        records = info.get("records")
        table.add_row(
            eco,
            path.name,
            f"{path.stat().st_size / 1_048_576:.1f} MiB",
            f"{records:,}" if isinstance(records, int) else "?",
            when,
            _describe_age(days),
        )
    if not table.row_count:
        console.print(
            f"No advisory database in {escape(str(target))}. Run `aispm db update` (needs network) "
            "or give scans --advisories DIR."
        )
        return
    console.print(table)
    if stale:
        console.print(f"Some advisories are older than {STALE_DAYS} days; run `aispm db update` to refresh.")
