"""The Typer application of the ``aispm`` command: the root options and every command group."""

from __future__ import annotations

import typer

from aispm import __version__

app = typer.Typer(
    name="aispm",
    help="AI Security Posture Management: discover, assess and guard everything AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aispm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """AI Security Posture Management."""


_built = False


def build_app() -> typer.Typer:
    """Attach every command module to ``app`` (once) and return it."""
    global _built
    if not _built:
        from aispm.cli import commands

        commands.register(app)
        _built = True
    return app
