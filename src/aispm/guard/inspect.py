"""Running the detectors on a request's or a response's text and turning detections into a verdict.

A policy maps a detector name to a rule (action and threshold); ``*`` is the rule of detectors
without their own.  Detections below their threshold are ignored; the strongest action wins
(block > redact > flag).  A detector that raises makes the verdict ``block`` (fail-closed) or a
``flag`` with the error noted (fail-open).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aispm.detect.base import Detection, Detector
from aispm.guard.config import DetectorRule

log = logging.getLogger("aispm.guard")

_RANK = {"allow": 0, "flag": 1, "redact": 2, "block": 3}

RunDetectors = Callable[[str, Sequence[Detector], str], list[Detection]]


def default_detectors(config: dict[str, Any] | None = None) -> list[Detector]:
    """The detector registry's defaults when it is installed, else the secrets detector alone."""
    try:
        registry = importlib.import_module("aispm.detect.registry")
    except ImportError:
        from aispm.detect.secrets import SecretsDetector

        return [SecretsDetector()]
    detectors: list[Detector] = registry.default_detectors(config)
    return detectors


def _runner() -> RunDetectors:
    try:
        registry = importlib.import_module("aispm.detect.registry")
    except ImportError:
        return lambda text, detectors, role: [d for det in detectors for d in det.detect(text)]
    run = registry.run_detectors
    return lambda text, detectors, role: list(run(text, detectors, role=role))


@dataclass(slots=True)
class Hit:
    """A detection the policy acted on (kept in events: never the matched text)."""

    stage: str
    detector: str
    type: str
    score: float
    action: str

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "detector": self.detector,
            "type": self.type,
            "score": round(self.score, 3),
            "action": self.action,
        }


@dataclass(slots=True)
class Verdict:
    """The outcome of inspecting some texts."""

    action: str = "allow"
    hits: list[Hit] = field(default_factory=list)
    redactions: dict[int, str] = field(default_factory=dict)
    """Index of a text -> its redacted version (only texts that changed)."""
    error: str | None = None

    def raise_to(self, action: str) -> None:
        if _RANK[action] > _RANK[self.action]:
            self.action = action

    @property
    def reason(self) -> str | None:
        blocking = [h for h in self.hits if h.action == self.action]
        if self.error:
            return self.error
        return ", ".join(sorted({f"{h.detector}:{h.type}" for h in blocking})) or None


class Inspector:
    """Runs ``detectors`` under a policy's rules."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = list(detectors)
        self._run = _runner()

    def rule_of(self, rules: dict[str, DetectorRule], detector: str) -> DetectorRule | None:
        rule = rules.get(detector) or rules.get("*")
        return None if rule is None or rule.action == "off" else rule

    def active(self, rules: dict[str, DetectorRule]) -> list[Detector]:
        return [d for d in self.detectors if self.rule_of(rules, d.name) is not None]

    def inspect(
        self,
        texts: Iterable[tuple[str, str]],
        rules: dict[str, DetectorRule],
        *,
        stage: str,
        fail_mode: str,
    ) -> Verdict:
        """Inspect ``(role, text)`` pairs; returns the verdict and the redacted texts."""
        verdict = Verdict()
        detectors = self.active(rules)
        if not detectors:
            return verdict
        for index, (role, text) in enumerate(texts):
            if not text:
                continue
            try:
                detections = self._run(text, detectors, role)
            except Exception as exc:  # a broken detector must not take the gateway down
                log.warning("detector failed on %s text: %s", stage, type(exc).__name__)
                verdict.error = f"detector error ({type(exc).__name__})"
                verdict.raise_to("block" if fail_mode == "closed" else "flag")
                continue
            spans: list[Detection] = []
            for det in detections:
                rule = self.rule_of(rules, det.detector)
                if rule is None or det.score < rule.threshold:
                    continue
                verdict.hits.append(Hit(stage, det.detector, det.type, det.score, rule.action))
                verdict.raise_to(rule.action)
                if rule.action == "redact":
                    spans.append(det)
            if spans:
                verdict.redactions[index] = redact_spans(text, spans)
        return verdict


def redact_spans(text: str, spans: Sequence[Detection]) -> str:
    """``text`` with every span replaced by ``[REDACTED:<type>]`` (overlaps merged)."""
    out: list[str] = []
    at = 0
    for det in sorted(spans, key=lambda d: (d.start, -d.end)):
        if det.end <= at:
            continue
        start = max(det.start, at)
        out.append(text[at:start])
        out.append(f"[REDACTED:{det.type}]")
        at = det.end
    out.append(text[at:])
    return "".join(out)


class StreamInspector:
    """Output detection on a stream as it passes: every ``every`` new characters the last ``window``
    characters of the accumulated text are scanned, and once more at the end."""

    def __init__(
        self,
        inspector: Inspector,
        rules: dict[str, DetectorRule],
        *,
        window: int,
        every: int,
        fail_mode: str,
    ) -> None:
        self.inspector = inspector
        self.rules = rules
        self.window = max(window, every)
        self.every = max(every, 1)
        self.fail_mode = fail_mode
        self.text = ""
        self._scanned_to = 0
        self.verdict = Verdict()
        self._seen: set[tuple[str, str, int]] = set()
        self.enabled = bool(inspector.active(rules))

    def feed(self, delta: str) -> bool:
        """Add ``delta``; True when the stream must be cut."""
        if not self.enabled or not delta:
            return False
        self.text += delta
        if len(self.text) - self._scanned_to >= self.every:
            return self._scan()
        return False

    def unscanned(self) -> int:
        """Characters received since the last scan (held back from the client until scanned)."""
        return len(self.text) - self._scanned_to if self.enabled else 0

    def finish(self) -> bool:
        """Scan what is left; True when the stream must be cut."""
        if not self.enabled or len(self.text) == self._scanned_to:
            return False
        return self._scan()

    def _scan(self) -> bool:
        offset = max(0, len(self.text) - self.window)
        self._scanned_to = len(self.text)
        part = self.inspector.inspect(
            [("assistant", self.text[offset:])], self.rules, stage="output", fail_mode=self.fail_mode
        )
        for hit in part.hits:
            hit.action = "block" if hit.action == "redact" else hit.action  # sent text cannot be unsent
            key = (hit.detector, hit.type, 0)
            if key not in self._seen:
                self._seen.add(key)
                self.verdict.hits.append(hit)
            self.verdict.raise_to(hit.action)
        if part.error:
            self.verdict.error = part.error
            self.verdict.raise_to(part.action)
        return self.verdict.action == "block"
