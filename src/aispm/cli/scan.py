"""``aispm scan``: discover, assess, store and report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, FailOnOption, OutputOption, ReportFormatOption
from aispm.cli.output import emit, make_console
from aispm.cli.results import EXIT_ERROR as EXIT_ERROR
from aispm.cli.results import EXIT_FINDINGS as EXIT_FINDINGS
from aispm.cli.results import EXIT_WARNINGS as EXIT_WARNINGS
from aispm.cli.results import exit_status as _exit_status
from aispm.cli.results import parse_threshold as _parse_threshold
from aispm.cli.results import store_result as _store


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)


def scan(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Directories or git checkouts to scan, and/or `aws` (the AWS accounts reachable with "
            "the default credential chain), and/or `k8s` (the cluster of the kubeconfig context), and/or "
            "`guard` (model endpoints the runtime guard blocked attacks on, from the events in --db).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    fmt: ReportFormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="Policy file (default: .aispm.yaml in the scanned folder).", dir_okay=False
        ),
    ] = None,
    advisories: Annotated[
        Path | None,
        typer.Option("--advisories", help="OSV advisories (a directory of JSON files or all.zip files)."),
    ] = None,
    html_report: Annotated[
        Path | None,
        typer.Option("--html-report", help="Also write the single-file HTML report here.", dir_okay=False),
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not keep this scan in the database.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes for large trees (0: one per CPU).")
    ] = 0,
    profile: Annotated[
        str | None, typer.Option("--profile", help="aws: the AWS profile to use (default credential chain).")
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option("--regions", help="aws: comma-separated regions (default: every enabled region)."),
    ] = None,
    role_arn: Annotated[
        list[str] | None,
        typer.Option("--role-arn", help="aws: a role to assume, one account each (repeatable)."),
    ] = None,
    no_model_scan: Annotated[
        bool,
        typer.Option(
            "--no-model-scan", help="aws: do not scan the model files in S3 that AI resources name."
        ),
    ] = False,
    context: Annotated[
        str | None, typer.Option("--context", help="k8s: the kubeconfig context (default: the current one).")
    ] = None,
    kubeconfig: Annotated[
        str | None,
        typer.Option("--kubeconfig", help="k8s: the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."),
    ] = None,
    guard_since: Annotated[
        str | None,
        typer.Option(
            "--guard-since", help="guard: only events after this, a duration back (7d, 12h) or an ISO time."
        ),
    ] = None,
) -> None:
    """Inventory AI in TARGETS, check it against the rules, keep the scan and report it.

    Exit status: 0 done; 1 findings at or above --fail-on; 2 the scan could not run;
    3 the scan finished but some files could not be read (listed as warnings).
    """
    from aispm.pipeline import ScanNotices, ScanOptions, run_scan

    console = make_console(stderr=True, quiet=quiet)
    threshold = _parse_threshold(fail_on)
    notices = ScanNotices()
    aws = {
        "profile": profile,
        "regions": [r.strip() for r in (regions or "").split(",") if r.strip()],
        "role_arns": list(role_arn or ()),
        "model_scan": not no_model_scan,
    }
    options = ScanOptions(
        targets=targets,
        source_options={
            "aws": aws,
            "k8s": {"context": context, "kubeconfig": kubeconfig},
            "guard": {"db": db, "since": _parse_since(guard_since)},
        },
        policy_path=policy,
        advisories_path=advisories,
        jobs=jobs,
    )
    try:
        with _progress_bar(console) as (bar, task):

            def tick(done: int, total: int | None, item: str) -> None:
                bar.update(task, completed=done, total=total, item=_short(item))

            result = run_scan(options, progress=tick, notices=notices)
    except Exception as exc:
        fail(exc)
    result = _store(result, db, no_store, console)
    # toxic combinations on attack paths raise findings' severities in every report and for
    # --fail-on; the kept scan holds the rules' own severities (docs/attack-paths.md)
    from aispm.paths.analysis import with_escalations

    result = with_escalations(result)
    for message in notices.messages:
        console.print(f"[yellow]note:[/] {message}")
    emit(result, fmt, output, console)
    if html_report is not None:
        from aispm.report import render

        _write(html_report, render(result, "html"))
        console.print(f"HTML report: [bold]{html_report.resolve()}[/]")
    raise typer.Exit(_exit_status(result, threshold))


def _parse_since(text: str | None) -> str | None:
    """``--guard-since`` as an ISO time (a duration counts back from now)."""
    if not text:
        return None
    from aispm.guard.keys import since_iso

    try:
        return since_iso(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--guard-since") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(OSError(f"cannot write {path}: {exc.strerror or exc}"))


def _short(item: str, width: int = 50) -> str:
    return item if len(item) <= width else "…" + item[-(width - 1) :]


class _progress_bar:
    """A transient progress bar on stderr (hidden when quiet or not a terminal)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[item]}", style="dim"),
            console=console,
            transient=True,
            disable=console.quiet,
        )

    def __enter__(self) -> tuple[Progress, TaskID]:
        self._progress.__enter__()
        return self._progress, self._progress.add_task("scan", total=None, item="")

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)
