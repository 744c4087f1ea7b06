"""OSV records (https://ossf.github.io/osv-schema/) as typed values, and the question they answer:
does this advisory affect this package at this version?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aispm.advisories.cvss import cvss3_base_score, severity_for_score
from aispm.advisories.versions import BadVersion, Event, in_range, key_for
from aispm.core.model import JSON, Severity

_WORDS = {
    "low": Severity.LOW,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
    "important": Severity.HIGH,
}
_SUMMARY_LIMIT = 300


class MalformedRecord(ValueError):
    """The JSON value is not a usable OSV record."""


def normalise_name(ecosystem: str, name: str) -> str:
    """The look-up key of a package name: PEP 503 for PyPI, lower case elsewhere."""
    if ecosystem == "PyPI":
        return "-".join(name.lower().replace("_", "-").replace(".", "-").split("-"))
    return name.strip().lower()


@dataclass(frozen=True, slots=True)
class AffectedRange:
    type: str
    """``ECOSYSTEM``, ``SEMVER`` or ``GIT`` (the last is never matched: it names commits)."""
    events: tuple[Event, ...]

    def fixed(self) -> list[str]:
        return [e.version for e in self.events if e.kind == "fixed"]


@dataclass(frozen=True, slots=True)
class Affected:
    """One ``affected[]`` entry: a package and the versions of it that are affected."""

    ecosystem: str
    name: str
    ranges: tuple[AffectedRange, ...] = ()
    versions: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return (self.ecosystem, normalise_name(self.ecosystem, self.name))

    def affects(self, version: str) -> bool:
        """Explicit ``versions`` match exactly; each range is evaluated with the ecosystem's
        ordering, and a range whose versions cannot be ordered falls back to the list."""
        if version in self.versions:
            return True
        for rng in self.ranges:
            key = key_for(self.ecosystem, rng.type)
            if key is None:
                continue
            try:
                if in_range(version, rng.events, key):
                    return True
            except BadVersion:
                continue
        return False


@dataclass(frozen=True, slots=True)
class Advisory:
    """One OSV vulnerability record."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity | None
    """From ``database_specific.severity`` (GitHub's words) or a CVSS v3 vector; malicious
    package reports (``MAL-``) are critical; None when the record does not say."""
    url: str
    affected: tuple[Affected, ...]

    def affects(self, ecosystem: str, name: str, version: str) -> bool:
        key = (ecosystem, normalise_name(ecosystem, name))
        return any(a.key == key and a.affects(version) for a in self.affected)

    def fixed_versions(self, ecosystem: str, name: str) -> list[str]:
        key = (ecosystem, normalise_name(ecosystem, name))
        fixed: list[str] = []
        for entry in self.affected:
            if entry.key == key:
                for rng in entry.ranges:
                    fixed.extend(v for v in rng.fixed() if v not in fixed)
        return fixed

    def to_json(self, ecosystem: str, name: str) -> dict[str, JSON]:
        """The ``vulnerabilities`` item of a package asset (see docs/architecture.md)."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "severity": self.severity.value if self.severity else None,
            "fixed": self.fixed_versions(ecosystem, name),
            "url": self.url,
        }


def parse_record(data: Any) -> Advisory | None:
    """Read one OSV record; None for a withdrawn one.  Raises :class:`MalformedRecord`."""
    if not isinstance(data, Mapping):
        raise MalformedRecord("not a JSON object")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise MalformedRecord("no id")
    if data.get("withdrawn"):
        return None
    affected_raw = data.get("affected") or []
    if not isinstance(affected_raw, list):
        raise MalformedRecord(f"{ident}: 'affected' is not a list")
    affected = tuple(a for a in (_affected(item, ident) for item in affected_raw) if a is not None)
    aliases = data.get("aliases") or []
    return Advisory(
        id=ident,
        aliases=tuple(str(a) for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
        summary=_summary(data),
        severity=_severity(data, affected_raw),
        url=_url(data, ident),
        affected=affected,
    )


def _affected(item: Any, ident: str) -> Affected | None:
    if not isinstance(item, Mapping):
        raise MalformedRecord(f"{ident}: an 'affected' entry is not an object")
    package = item.get("package")
    if not isinstance(package, Mapping):
        return None  # affects a git repository only, not a package
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str):
        raise MalformedRecord(f"{ident}: package without ecosystem or name")
    ranges: list[AffectedRange] = []
    for rng in item.get("ranges") or []:
        if not isinstance(rng, Mapping) or not isinstance(rng.get("events"), list):
            raise MalformedRecord(f"{ident}: a range without events")
        events: list[Event] = []
        for event in rng["events"]:
            if not isinstance(event, Mapping):
                raise MalformedRecord(f"{ident}: an event is not an object")
            events.extend(Event(str(k), str(v)) for k, v in event.items())
        ranges.append(AffectedRange(str(rng.get("type", "")), tuple(events)))
    versions = item.get("versions") or []
    if not isinstance(versions, list):
        raise MalformedRecord(f"{ident}: 'versions' is not a list")
    return Affected(ecosystem, name, tuple(ranges), frozenset(str(v) for v in versions))


def _summary(data: Mapping[str, Any]) -> str:
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        details = data.get("details")
        summary = details.strip().splitlines()[0] if isinstance(details, str) and details.strip() else ""
    summary = summary.strip()
    return summary if len(summary) <= _SUMMARY_LIMIT else summary[: _SUMMARY_LIMIT - 1] + "…"


def _severity(data: Mapping[str, Any], affected: list[Any]) -> Severity | None:
    specific = data.get("database_specific")
    if isinstance(specific, Mapping):
        word = specific.get("severity")
        if isinstance(word, str) and word.strip().lower() in _WORDS:
            return _WORDS[word.strip().lower()]
    scored = [data.get("severity")] + [a.get("severity") for a in affected if isinstance(a, Mapping)]
    for entries in scored:
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("score"), str):
                score = cvss3_base_score(entry["score"])
                if score is not None:
                    return severity_for_score(score)
    if str(data.get("id", "")).startswith("MAL-"):
        return Severity.CRITICAL
    return None


def _url(data: Mapping[str, Any], ident: str) -> str:
    refs = data.get("references")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, Mapping) and ref.get("type") == "ADVISORY" and isinstance(ref.get("url"), str):
                return str(ref["url"])
    return f"https://osv.dev/vulnerability/{ident}"
