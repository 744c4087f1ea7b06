"""Parsers of dependency manifests and lock files: text in, :class:`Dependency` values out.

Every parser is a pure function.  A file that cannot be parsed as a whole raises
:class:`ManifestError`; entries that make no sense are skipped.  Nothing is ever executed,
imported or fetched: ``-r`` includes are only reported, URLs are never followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PYPI = "PyPI"
NPM = "npm"

_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass(frozen=True, slots=True)
class Dependency:
    """One declared or locked package."""

    ecosystem: str
    """``PyPI`` or ``npm`` (OSV's spelling)."""
    name: str
    version: str | None
    """The exact version when the file pins one (always for lock files), else None."""
    specifier: str
    """What the file says about the version (``>=2.0``, ``^1.2.3``, ``==2.0.1`` ...)."""
    line: int | None
    """1-based line of the entry, when it can be told."""


class ManifestError(ValueError):
    """The file is not a well-formed manifest of its kind; the message says why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def strip_credentials(text: str) -> str:
    """Remove ``user:password@`` from URLs so a specifier never carries a credential."""
    return _URL_CREDENTIALS.sub("", text)


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """1-based line of the first occurrence of ``needle`` at or after character ``start``."""
    index = text.find(needle, start)
    if index < 0:
        return None
    return text.count("\n", 0, index) + 1
