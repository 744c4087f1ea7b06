"""Write a scan report in the chosen format to the terminal or a file, the same for every command.

Rich is imported only when something is shown on the terminal."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from aispm.cli.errors import fail
from aispm.core.model import ScanResult

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    html = "html"


def make_console(*, stderr: bool = False, quiet: bool = False) -> Console:
    """A console for summaries: the terminal's width, or 140 columns when output is redirected
    (Rich's 80-column default wraps every table cell into unreadable stacks)."""
    from rich.console import Console

    console = Console(stderr=stderr, quiet=quiet)
    if not console.is_terminal:
        console = Console(stderr=stderr, quiet=quiet, width=140)
    return console


def write_text(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output``, or to stdout when no file is given."""
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(OSError(f"cannot write {output}: {exc.strerror or exc}"))


_FORMAT_OF_SUFFIX = {
    ".json": OutputFormat.json,
    ".sarif": OutputFormat.sarif,
    ".html": OutputFormat.html,
    ".htm": OutputFormat.html,
}


def choose_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat | None:
    """The format to render, or None for "only the terminal summary"."""
    if fmt is not None:
        return fmt
    if output is None:
        return None
    return _FORMAT_OF_SUFFIX.get(output.suffix.lower(), OutputFormat.table)


def emit(result: ScanResult, fmt: OutputFormat | None, output: Path | None, console: Console) -> None:
    """Report ``result`` in ``fmt`` (to ``output`` or stdout), and the summary on the console.

    Without a format or a file only the summary is shown (on stdout, since it is the report).
    """
    from aispm.report import render, summary

    chosen = choose_format(fmt, output)
    if chosen is None:
        summary(result, make_console(quiet=console.quiet))
        return
    write_text(render(result, chosen.value), output)
    if output is not None:
        console.print(f"{chosen.value} report: [bold]{output.resolve()}[/]")
        summary(result, console)


def emit_quiet(result: ScanResult, fmt: OutputFormat | None, output: Path | None) -> None:
    """What :func:`emit` does on a quiet console: only the report, when a format or a file asks
    for one (the summary would print nothing, so neither Rich nor the renderers are loaded)."""
    chosen = choose_format(fmt, output)
    if chosen is None:
        return
    from aispm.report import render

    write_text(render(result, chosen.value), output)
