"""``aispm model scan``: scan model files (local or in S3) without loading them, check their
provenance, evaluate the model rules, keep and report the result like ``aispm scan``.

This module declares the command for Typer; what it does is :func:`aispm.cli.model_scan.run`
(which :mod:`aispm.cli.fast` also calls, without Typer, for the common command lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aispm.cli.model_scan import DEFAULT_MAX_OBJECT_BYTES, run
from aispm.cli.model_scan import collect as collect
from aispm.cli.model_scan import repository_root as repository_root
from aispm.cli.options import DbOption, FailOnOption, OutputOption, ReportFormatOption

model_app = typer.Typer(help="Scan model files without loading them.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


@model_app.command("scan")
def scan(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Model files, folders (a Hugging Face cache too) or s3://bucket/prefix URLs.",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    fmt: ReportFormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="Policy file (default: built-in defaults).", dir_okay=False),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="AWS profile for s3:// targets (default credential chain)."),
    ] = None,
    signing_keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--signing-key",
            help="PEM public key that model-signing signatures (model.sig, FILE.sig) are verified "
            "against; repeatable.",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    max_object_size: Annotated[
        int,
        typer.Option("--max-object-size", help="Largest S3 object downloaded for scanning, in bytes.", min=1),
    ] = DEFAULT_MAX_OBJECT_BYTES,
    all_objects: Annotated[
        bool,
        typer.Option("--all-objects", help="Fetch every S3 object, not only those with model-like names."),
    ] = False,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not keep this scan in the database.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on the terminal.")] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Hash every file again: do not use or update the cache of sha256 digests of "
            "unchanged files (the files are always read and parsed either way).",
        ),
    ] = False,
    no_hash: Annotated[
        bool,
        typer.Option(
            "--no-hash",
            help="Verdicts only: do not compute the sha256 of the files (no digests in the report "
            "or the AI-BOM, no changed-hash rule). For fast gates on large models.",
        ),
    ] = False,
) -> None:
    """Scan model files for code that runs when they are loaded, and check their provenance.

    Nothing is loaded or unpickled. Exit status: 0 done; 1 findings at or above --fail-on;
    2 the scan could not run; 3 the scan finished but some inputs could not be read.
    """
    raise typer.Exit(
        run(
            targets,
            db=db,
            fmt=fmt,
            output=output,
            fail_on=fail_on,
            policy=policy,
            profile=profile,
            signing_keys=tuple(signing_keys or ()),
            max_object_size=max_object_size,
            all_objects=all_objects,
            no_store=no_store,
            quiet=quiet,
            no_cache=no_cache,
            no_hash=no_hash,
        )
    )
