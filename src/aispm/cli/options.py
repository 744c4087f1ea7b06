"""Options shared by every command, so they are spelled and behave the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aispm.cli.output import OutputFormat as OutputFormat

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="AISPM_DATABASE_URL",
        help="Database URL or SQLite file path (default: aispm.db in the user data directory).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Report format.", case_sensitive=False)
]
ReportFormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Report format. Default: a summary on the terminal; with -o, the format the file "
        "name's extension implies (.json, .sarif, .html), else table.",
        case_sensitive=False,
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the report to this file instead of the terminal.", dir_okay=False
    ),
]
FailOnOption = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Exit with status 1 when an unsuppressed finding of this severity or higher exists "
        "(info, low, medium, high, critical).",
        show_default=False,
    ),
]
