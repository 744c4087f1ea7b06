"""Small helpers shared by the built-in checks: reference data, calls, hosts, findings."""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from aispm.core.model import JSON, Asset, AssetKind, Finding, Inventory, Location, Severity
from aispm.data import load_yaml
from aispm.posture import registry


@cache
def reference() -> Mapping[str, Any]:
    """The lists in ``data/posture.yaml``."""
    data = load_yaml("posture.yaml")
    assert isinstance(data, dict), "data/posture.yaml must be a mapping"
    return data


def patterns(group: str) -> tuple[str, ...]:
    """The fnmatch patterns of a group of watched calls (``torch_load`` ...)."""
    return tuple(reference()["calls"][group])


def matches_any(name: str, globs: Sequence[str], *, fold: bool = False) -> bool:
    if fold:
        return any(fnmatch.fnmatchcase(name.lower(), g.lower()) for g in globs)
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def path_of(asset: Asset) -> str | None:
    return asset.location.path if asset.location else None


def finding(
    rule_id: str,
    asset: Asset,
    message: str,
    *,
    location: Location | None = None,
    evidence: Mapping[str, JSON] | None = None,
    discriminator: str = "",
    severity: Severity | None = None,
) -> Finding:
    """A finding of a built-in rule at the rule's default severity unless one is given."""
    return Finding(
        rule_id=rule_id,
        asset_id=asset.id,
        severity=severity or registry.meta(rule_id).severity,
        message=message,
        location=location or asset.location,
        evidence=dict(evidence or {}),
        discriminator=discriminator,
    )


# ---- watched calls ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """One entry of a file's ``calls`` property, with the file it is in."""

    file: Asset
    function: str
    line: int | None
    args: tuple[JSON, ...]
    keywords: Mapping[str, JSON]

    @property
    def location(self) -> Location:
        return Location(path=path_of(self.file), line=self.line)

    def arg(self, index: int, keyword: str | None = None) -> JSON:
        """A positional argument, or the keyword that can stand for it; ``None`` when absent."""
        if keyword is not None and keyword in self.keywords:
            return self.keywords[keyword]
        return self.args[index] if index < len(self.args) else None

    def discriminator(self, *parts: str) -> str:
        """Function and argument text: stable when lines move, distinct for different calls."""
        shown = json.dumps([list(self.args), dict(sorted(self.keywords.items()))], default=str)
        return "|".join((self.function, shown[:300], *parts))

    def evidence(self, **extra: JSON) -> dict[str, JSON]:
        return {
            "function": self.function,
            "args": [shorten(a) for a in self.args[:3]],
            "keywords": {k: shorten(v) for k, v in sorted(self.keywords.items())},
            **extra,
        }


def iter_calls(inventory: Inventory, group: str | None = None) -> Iterator[Call]:
    """Watched calls of every source file and notebook, optionally only those of one group."""
    globs = patterns(group) if group else None
    for file in inventory.of_kind(AssetKind.SOURCE_FILE, AssetKind.NOTEBOOK):
        for raw in _list(file.properties.get("calls")):
            if not isinstance(raw, dict) or not isinstance(raw.get("function"), str):
                continue
            function = raw["function"]
            if globs is not None and not matches_any(function, globs):
                continue
            line = raw.get("line")
            keywords = raw.get("keywords")
            yield Call(
                file=file,
                function=function,
                line=line if isinstance(line, int) else None,
                args=tuple(_list(raw.get("args"))),
                keywords=keywords if isinstance(keywords, dict) else {},
            )


def call_finding(
    rule_id: str,
    call: Call,
    message: str,
    *,
    evidence: Mapping[str, JSON] | None = None,
    key: Sequence[str] = (),
) -> Finding:
    """A finding on a watched call: at the call, with the call's evidence (plus ``evidence``) and
    a discriminator made of the call and ``key``."""
    return finding(
        rule_id,
        call.file,
        message,
        location=call.location,
        evidence=call.evidence(**(evidence or {})),
        discriminator=call.discriminator(*key),
    )


def is_expression(value: JSON) -> bool:
    """A non-literal argument, recorded as its source text in ``<...>``."""
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def expression_text(value: JSON) -> str:
    return value[1:-1] if isinstance(value, str) and is_expression(value) else str(value)


def shorten(value: JSON, limit: int = 120) -> JSON:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


# ---- hosts and URLs -----------------------------------------------------------------------------

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "host.docker.internal"}
ALL_INTERFACES = {"0.0.0.0", "::", "[::]"}


def is_local_host(host: str | None) -> bool:
    """Loopback names and addresses (and 0.0.0.0, which a client resolves to this machine)."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost") or name in {"0.0.0.0", "::"}:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_parts(url: str) -> tuple[str, str]:
    """``(scheme, host)`` of a URL, lower-cased; empty strings when it does not parse."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError:
        return "", ""


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list (properties are data, not trusted)."""
    return _list(value)
