"""The hot command lines without Typer.

``aispm model scan`` is run on every commit by the pre-commit hook and in CI loops, where start-up
is most of its time: Typer, Click, Rich and pydantic (Typer converts parameters with it) take
about 0.15 s to import, more than a scan of a few model files.  :func:`dispatch` reads the command
lines it understands completely — ``model scan`` with targets and the options below, each at most
once — and runs :func:`aispm.cli.model_scan.run`, the same function the Typer command calls.

It hands everything else to Typer (returns None), so help, usage errors and their messages stay
Typer's: any other option or command, ``--help``, a repeated option, a value Typer would reject
(an unknown ``--format`` or ``--fail-on``, an ``--output`` or ``--policy`` that is a directory or
cannot be read), an option value or target starting with ``-``, ``--``, and shell completion.
Exit statuses, ``--db``'s ``AISPM_DATABASE_URL`` and interrupts behave as under Typer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_FLAGS = {
    "--no-store": "no_store",
    "--quiet": "quiet",
    "-q": "quiet",
    "--no-cache": "no_cache",
    "--no-hash": "no_hash",
    "--all-objects": "all_objects",
}
"""Flag options of ``model scan`` read here, by spelling."""
_VALUES = {
    "--db": "db",
    "--format": "fmt",
    "-f": "fmt",
    "--output": "output",
    "-o": "output",
    "--fail-on": "fail_on",
    "--policy": "policy",
    "--profile": "profile",
}
"""Options of ``model scan`` with one value read here, by spelling."""
_FORMATS = ("table", "json", "sarif", "html")
DB_ENV = "AISPM_DATABASE_URL"
_INTERRUPTED = 130
"""Typer's exit status after Ctrl-C."""


class _Unsure(Exception):
    """Typer would not read the command line the way this module would: let Typer run it."""


def dispatch(argv: Sequence[str]) -> int | None:
    """Run ``argv`` (the arguments after ``aispm``) when it is a command line this module reads
    exactly as Typer does, and return its exit status; None when Typer must run it."""
    if len(argv) < 3 or argv[0] != "model" or argv[1] != "scan":
        return None
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return None  # a shell-completion request, which Click answers instead of running
    try:
        options = parse_model_scan(argv[2:])
    except _Unsure:
        return None
    return _run_model_scan(options)


def parse_model_scan(args: Sequence[str]) -> dict[str, Any]:
    """The keyword arguments of :func:`aispm.cli.model_scan.run` for ``model scan ARGS``; raises
    :class:`_Unsure` for anything outside what this module reads."""
    found: dict[str, Any] = {}
    targets: list[str] = []
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if not arg.startswith("-"):
            targets.append(arg)
            continue
        name, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _FLAGS and not equals:
            _set(found, _FLAGS[name], True)
        elif name in _VALUES:
            if not equals:
                if position >= len(args):
                    raise _Unsure
                value = args[position]
                position += 1
            if not value or value.startswith("-"):
                raise _Unsure
            _set(found, _VALUES[name], value)
        else:
            raise _Unsure
    if not targets:
        raise _Unsure
    options: dict[str, Any] = {"targets": targets}
    for key in ("no_store", "quiet", "no_cache", "no_hash", "all_objects"):
        options[key] = bool(found.get(key, False))
    options["profile"] = found.get("profile")
    options["db"] = found.get("db") or os.environ.get(DB_ENV) or None  # Click skips an empty variable
    if "fmt" in found:
        options["fmt"] = _format(found["fmt"])
    if "fail_on" in found:
        options["fail_on"] = _severity(found["fail_on"])
    for key in ("output", "policy"):
        if key in found:
            options[key] = _file_path(found[key])
    return options


def _set(found: dict[str, Any], key: str, value: Any) -> None:
    if key in found:
        raise _Unsure  # Typer keeps the last of a repeated option; rare enough to leave to it
    found[key] = value


def _format(value: str) -> Any:
    from aispm.cli.output import OutputFormat

    if not value.isascii() or value.lower() not in _FORMATS:
        raise _Unsure
    return OutputFormat(value.lower())


def _severity(value: str) -> str:
    from aispm.core.model import Severity

    try:
        Severity.parse(value)
    except ValueError:
        raise _Unsure from None
    return value


def _file_path(value: str) -> Path:
    """A ``dir_okay=False`` path option as Typer checks it: when it exists, it must not be a
    directory and must be readable."""
    try:
        st = os.stat(value)
    except OSError:
        return Path(value)
    if stat.S_ISDIR(st.st_mode) or not os.access(value, os.R_OK):
        raise _Unsure
    return Path(value)


def _run_model_scan(options: dict[str, Any]) -> int:
    from aispm.cli.model_scan import run

    try:
        return run(**options)
    except KeyboardInterrupt:
        return _INTERRUPTED
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        _silence_broken_pipe()
        return 1
    except Exception as exc:
        status = _typer_exit_status(exc)
        if status is None:
            raise
        return status


def _typer_exit_status(exc: BaseException) -> int | None:
    """The status of a ``typer.Exit`` (what :func:`aispm.cli.errors.fail` raises), else None."""
    typer = sys.modules.get("typer")
    if typer is not None and isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    return None


def _silence_broken_pipe() -> None:
    """The reader of stdout went away: no error when Python flushes it at exit (as Click does)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
