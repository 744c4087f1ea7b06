"""The detector interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Detection:
    """One span of text a detector flagged."""

    detector: str
    """Detector name (``secrets``, ``pii``, ``injection`` ...)."""
    type: str
    """What was found, e.g. ``openai_api_key`` or ``credit_card``."""
    start: int
    end: int
    """Character offsets into the scanned text (``text[start:end]`` is the match)."""
    score: float = 1.0
    """Confidence in [0, 1]."""
    redacted: str = ""
    """A safe rendering of the match (secrets never appear in clear)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Detector-specific details (``provider``, ``variable`` ...)."""


class Detector(Protocol):
    name: str

    def detect(self, text: str) -> list[Detection]:
        """All detections in ``text``, in order of ``start``."""
        ...
