"""Entry point of the ``aispm`` command.

:func:`main` first offers the command line to :mod:`aispm.cli.fast`, which runs the hot command
lines (``aispm model scan ...``) without loading Typer — and pydantic, which Typer uses to convert
parameters — when it can read them exactly as Typer would.  Everything else (help, usage errors,
every other command) goes to the Typer application in :mod:`aispm.cli.app`, which is also what
``app`` and ``build_app`` of this module are.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aispm.cli.app import app, build_app

__all__ = ["app", "build_app", "main"]


def main() -> None:
    from aispm.cli.fast import dispatch

    status = dispatch(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    from aispm.cli.app import build_app

    build_app()()


def __getattr__(name: str) -> Any:
    if name in ("app", "build_app"):
        from aispm.cli import app as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
