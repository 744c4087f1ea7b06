"""Version ordering per ecosystem and the OSV range semantics built on it.

PyPI versions are ordered by :class:`packaging.version.Version` (PEP 440); npm versions and
OSV ``SEMVER`` ranges by Semantic Versioning 2.0.0 (pre-releases before their release, build
metadata ignored).  An OSV range is a list of events; walking them in version order, the
package is affected from an ``introduced`` version up to (but not including) a ``fixed`` one,
or up to and including a ``last_affected`` one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import total_ordering
from typing import Any

from packaging.version import InvalidVersion, Version

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


class BadVersion(ValueError):
    """A version string that the ecosystem's ordering cannot place."""


@total_ordering
@dataclass(frozen=True, slots=True)
class SemVer:
    """A semantic version; ``1.2`` is read as ``1.2.0`` for leniency."""

    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _SEMVER.match(text.strip())
        if match is None:
            raise BadVersion(f"not a semantic version: {text!r}")
        pre_text = match["pre"]
        pre: tuple[int | str, ...] = ()
        if pre_text:
            pre = tuple(int(p) if p.isdigit() else p for p in pre_text.split("."))
        return cls(int(match["major"]), int(match["minor"] or 0), int(match["patch"] or 0), pre)

    def _key(self) -> tuple[Any, ...]:
        # A release sorts after all of its pre-releases; numeric identifiers sort before
        # alphanumeric ones, and a longer list of identifiers wins a tie of its prefix.
        pre_key = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre_key)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()


ZERO = "0"
"""OSV's ``introduced: "0"``: earlier than every version."""


def pypi_key(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise BadVersion(f"not a PEP 440 version: {text!r}") from None


def semver_key(text: str) -> SemVer:
    return SemVer.parse(text)


def key_for(ecosystem: str, range_type: str) -> Callable[[str], Any] | None:
    """The ordering to use for a range of ``range_type`` in ``ecosystem`` (None: unsupported)."""
    if range_type == "SEMVER":
        return semver_key
    if range_type == "ECOSYSTEM":
        if ecosystem == "PyPI":
            return pypi_key
        if ecosystem == "npm":
            return semver_key
    return None


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    """``introduced``, ``fixed`` or ``last_affected`` (``limit`` is ignored)."""
    version: str


_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 1}


def in_range(version: str, events: Sequence[Event], key: Callable[[str], Any]) -> bool:
    """Whether ``version`` lies in the range described by ``events``.

    Raises :class:`BadVersion` when the version or an event's version cannot be ordered.
    """
    target = key(version)
    from_zero = False
    ordered: list[tuple[Any, int, str]] = []
    for event in events:
        if event.kind not in _ORDER:
            continue
        if event.kind == "introduced" and event.version == ZERO:
            from_zero = True
        else:
            ordered.append((key(event.version), _ORDER[event.kind], event.kind))
    # By version; at the same version "introduced" is applied before "fixed".
    ordered.sort(key=lambda item: (item[0], item[1]))
    affected = from_zero
    for value, _, kind in ordered:
        if kind == "introduced":
            if target >= value:
                affected = True
        elif kind == "fixed":
            if target >= value:
                affected = False
        elif target > value:  # last_affected
            affected = False
    return affected
