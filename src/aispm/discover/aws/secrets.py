"""Secrets inside AWS resource configurations: found, redacted, and turned into ``secret`` assets.

Environment maps (``Environment``, ``Variables``) are scanned as ``NAME=value`` lines so the
assignment detector sees the variable name; every other string is scanned as it is.  The clear
value never leaves this module: properties keep the redacted form, and secret assets use the same
id as repository secrets (``urn('secret','secret',provider,sha256[:16])``), so one key found in a
repository and in a Lambda function is one asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, AssetKind, Location
from aispm.detect.base import Detection
from aispm.detect.scrub import detect_secrets, redact_detections
from aispm.detect.secrets import secret_type_label

_ENV_KEYS = frozenset({"Environment", "Variables", "environment", "EnvironmentVariables"})
_MIN_LENGTH = 8
"""Shorter strings cannot hold a credential worth reporting."""
_SKIP_PREFIXES = ("arn:", "s3://", "https://", "http://")


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A secret found at ``field`` (a dotted path into the resource's properties)."""

    field: str
    detection: Detection


def scrub(value: JSON, path: str = "") -> tuple[JSON, list[SecretHit]]:
    """``value`` with every secret redacted, and where each one was."""
    hits: list[SecretHit] = []
    return _scrub(value, path, hits), hits


def _scrub(value: JSON, path: str, hits: list[SecretHit]) -> JSON:
    if isinstance(value, str):
        return _scrub_text(value, path, hits)
    if isinstance(value, list):
        return [_scrub(v, f"{path}[{i}]", hits) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if key in _ENV_KEYS and isinstance(item, dict) and all(isinstance(v, str) for v in item.values()):
                out[key] = _scrub_env(item, child, hits)
            else:
                out[key] = _scrub(item, child, hits)
        return out
    return value


def _scrub_text(text: str, path: str, hits: list[SecretHit]) -> str:
    if len(text) < _MIN_LENGTH or (text.startswith(_SKIP_PREFIXES) and " " not in text):
        return text
    detections = detect_secrets(text)
    if not detections:
        return text
    hits.extend(SecretHit(path, d) for d in detections)
    return redact_detections(text, detections)


def _scrub_env(env: dict[str, str], path: str, hits: list[SecretHit]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in env.items():
        line = f"{name}={value}"
        offset = len(name) + 1
        found = [d for d in detect_secrets(line) if d.end > offset]
        if not found:
            clean[name] = value
            continue
        hits.extend(SecretHit(f"{path}.{name}", d) for d in found)
        clean[name] = redact_detections(line, found)[offset:]
    return clean


def secret_asset(hit: SecretHit, resource_arn: str) -> Asset:
    """The ``secret`` asset of a hit inside the resource ``resource_arn``."""
    attrs = hit.detection.attributes
    provider = str(attrs.get("provider") or "generic")
    fingerprint = str(attrs["value_sha256"])
    variable = attrs.get("variable") or hit.field.rsplit(".", 1)[-1]
    return Asset(
        id=urn("secret", "secret", provider, fingerprint[:16]),
        kind=AssetKind.SECRET,
        name=f"{secret_type_label(hit.detection.type)} ({hit.detection.redacted})",
        provider=provider,
        location=Location(uri=resource_arn),
        properties={
            "secret_type": hit.detection.type,
            "provider": provider,
            "redacted": hit.detection.redacted,
            "variable": variable,
            "locations": [{"uri": resource_arn, "field": hit.field}],
            "detection": attrs.get("detection", "pattern"),
        },
        source="aws",
    )
