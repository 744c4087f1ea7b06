"""Secret scrubbing: one shared secrets detector and the redaction of what it finds in a text."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from aispm.core.redact import redact
from aispm.detect.base import Detection
from aispm.detect.secrets import SecretsDetector


@cache
def shared_detector() -> SecretsDetector:
    """The secrets detector, built once (its patterns are compiled on construction)."""
    return SecretsDetector()


def detect_secrets(text: str) -> list[Detection]:
    """Secret detections in ``text`` (by the shared detector)."""
    return shared_detector().detect(text) if text else []


def redact_detections(text: str, detections: Iterable[Detection]) -> str:
    """``text`` with every detected span replaced by its redacted form (overlaps covered once)."""
    parts: list[str] = []
    position = 0
    for d in sorted(detections, key=lambda d: d.start):
        if d.end <= position:
            continue
        parts.append(text[position : max(d.start, position)])
        parts.append(d.redacted or redact(text[d.start : d.end]))
        position = d.end
    parts.append(text[position:])
    return "".join(parts)


def scrub_secrets(text: str) -> tuple[str, list[Detection]]:
    """``text`` with every detected secret redacted, and the detections (in order of offset)."""
    detections = sorted(detect_secrets(text), key=lambda d: d.start)
    return redact_detections(text, detections), detections
