"""Turn errors a user can act on into one clear line on stderr and exit status 2."""

from __future__ import annotations

from typing import NoReturn

EXIT_ERROR = 2


def fail(exc: BaseException) -> NoReturn:
    """Print ``error: <message>`` (no traceback) and exit with status 2.

    Every exception type aispm raises for bad input carries a message that says what failed,
    where, and what to do, so the message alone is what the user needs.
    """
    import typer  # imported here: the hot paths (``model scan``) must not pay for Typer and Rich
    from rich.console import Console
    from rich.markup import escape

    if isinstance(exc, typer.Exit):
        raise exc
    message = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        message = f"{exc.filename}: {exc.strerror}"
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(EXIT_ERROR)
