"""The detector registry: the one place the gateway and ``aispm detect`` get their detectors from.

``default_detectors(config)`` builds the configured detectors (models and patterns load once per
process); ``run_detectors(text, detectors, role=...)`` runs those that apply to a message role and
returns their detections in order of offset.  Detector names: ``injection``, ``jailbreak``,
``pii``, ``secrets``, ``exfiltration``, ``hidden_unicode``, ``canary``, ``tool_call``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aispm.detect.base import Detection, Detector
from aispm.detect.canary import CanaryDetector
from aispm.detect.exfiltration import ExfiltrationDetector
from aispm.detect.hidden_unicode import HiddenUnicodeDetector
from aispm.detect.injection import ROLES, InjectionDetector, InjectionSettings
from aispm.detect.pii import PiiDetector
from aispm.detect.scrub import shared_detector
from aispm.detect.tool_calls import ToolCallPolicy

DETECTOR_NAMES = (
    "injection",
    "jailbreak",
    "pii",
    "secrets",
    "exfiltration",
    "hidden_unicode",
    "canary",
    "tool_call",
)
ALL_ROLES = ROLES
OUTPUT_ROLES = frozenset({"assistant"})
"""Exfiltration channels matter where the client renders them: model outputs."""
APPLIES_TO: dict[str, frozenset[str]] = {
    "injection": frozenset({"user", "tool", "document"}),
    "pii": ALL_ROLES,
    "secrets": ALL_ROLES,
    "exfiltration": OUTPUT_ROLES,
    "hidden_unicode": ALL_ROLES,
    "canary": frozenset({"assistant", "tool"}),
    "tool_call": frozenset({"assistant"}),
}


@dataclass(frozen=True)
class DetectorConfig:
    """Which detectors run and their settings."""

    enabled: frozenset[str] = frozenset(DETECTOR_NAMES)
    injection: InjectionSettings = field(default_factory=InjectionSettings)
    pii_types: frozenset[str] | None = None
    """PII types to report (None: all)."""
    allowed_hosts: frozenset[str] = frozenset()
    """Hosts that outputs may link and embed images from."""
    canary_tokens: tuple[str, ...] = ()
    allowed_tools: frozenset[str] = frozenset()
    denied_tool_patterns: tuple[str, ...] = ()


def default_detectors(config: DetectorConfig | None = None) -> list[Detector]:
    """The detectors ``config`` enables (all with defaults when None)."""
    config = config or DetectorConfig()
    on = config.enabled
    detectors: list[Detector] = []
    if "injection" in on or "jailbreak" in on:
        detectors.append(InjectionDetector(config.injection))
    if "pii" in on:
        detectors.append(PiiDetector(config.pii_types))
    if "secrets" in on:
        detectors.append(shared_detector())
    if "exfiltration" in on:
        detectors.append(ExfiltrationDetector(config.allowed_hosts))
    if "hidden_unicode" in on:
        detectors.append(HiddenUnicodeDetector())
    if "canary" in on and config.canary_tokens:
        detectors.append(CanaryDetector(config.canary_tokens))
    if "tool_call" in on and (config.allowed_tools or config.denied_tool_patterns):
        detectors.append(ToolCallPolicy(config.allowed_tools, config.denied_tool_patterns))
    if not ("injection" in on and "jailbreak" in on):
        detectors = [_Only(d, on) if isinstance(d, InjectionDetector) else d for d in detectors]
    return detectors


class _Only:
    """An injection detector whose output is limited to the enabled names."""

    def __init__(self, inner: InjectionDetector, names: frozenset[str]) -> None:
        self.inner, self.names, self.name = inner, names, inner.name

    def detect(self, text: str) -> list[Detection]:
        return self.detect_role(text, "user")

    def detect_role(self, text: str, role: str) -> list[Detection]:
        return [d for d in self.inner.detect_role(text, role) if d.detector in self.names]


def run_detectors(text: str, detectors: Sequence[Detector], *, role: str = "user") -> list[Detection]:
    """Detections of every detector that applies to ``role``, in order of offset.

    ``role`` is one of user, system, assistant, tool, document; tool and document content (and
    earlier turns passed as document) are read for indirect injection.
    """
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r} (expected one of {', '.join(sorted(ALL_ROLES))})")
    found: list[Detection] = []
    for detector in detectors:
        if role not in APPLIES_TO.get(detector.name, ALL_ROLES):
            continue
        detect_role = getattr(detector, "detect_role", None)
        found.extend(detect_role(text, role) if detect_role is not None else detector.detect(text))
    return sorted(found, key=lambda d: (d.start, d.end, d.detector))
