"""Prompt-injection and jailbreak detection: rules for known families plus the shipped classifier.

A text is read in every view :mod:`aispm.detect.normalize` gives it (canonical, and decoded
when obfuscated).  The classifier scores each view; the highest wins.  Rules name the family.
One analysis yields detections of two detectors: ``injection`` (instruction override, indirect
injection, fake system messages, prompt extraction, classifier verdicts) and ``jailbreak``
(jailbreak templates, obfuscated attacks).  Detections cover the whole text unless a rule hit
in the canonical view can be mapped back to the original offsets; nothing of the text is
copied into a detection (``redacted`` is a fixed label).
"""

from __future__ import annotations

from dataclasses import dataclass

from aispm.detect.base import Detection
from aispm.detect.injection_model import InjectionModel, shipped_model
from aispm.detect.injection_rules import match_rules
from aispm.detect.normalize import View, obfuscation_signals, views

INDIRECT_ROLES = frozenset({"tool", "document"})
_HIDING_VIEWS = frozenset({"encoded", "unicode_tags"})
ROLES = frozenset({"user", "system", "assistant", "tool", "document"})


@dataclass(frozen=True, slots=True)
class InjectionSettings:
    """Thresholds of the injection/jailbreak analysis (``None``: the model's own threshold)."""

    threshold: float | None = None
    rule_floor: float = 0.2
    """A non-strong rule hit flags only when the classifier gives at least this."""
    obfuscation_floor: float | None = None
    """A decoded view of obfuscated text flags as a jailbreak from this probability on
    (``None``: the decision threshold, so decoding alone does not lower the bar)."""


class InjectionDetector:
    """Detects prompt injection (direct and indirect) and jailbreaks in one pass."""

    name = "injection"
    names = frozenset({"injection", "jailbreak"})

    def __init__(
        self, settings: InjectionSettings | None = None, model: InjectionModel | None = None
    ) -> None:
        self.settings = settings or InjectionSettings()
        self.model = model or shipped_model()
        self.threshold = (
            self.settings.threshold if self.settings.threshold is not None else self.model.threshold
        )
        floor = self.settings.obfuscation_floor
        self.obfuscation_floor = floor if floor is not None else self.threshold

    def detect(self, text: str) -> list[Detection]:
        """Detections in ``text`` read as a user prompt."""
        return self.detect_role(text, "user")

    def detect_role(self, text: str, role: str) -> list[Detection]:
        """Detections in ``text`` sent with ``role`` (tool and document content = indirect)."""
        if not text.strip():
            return []
        all_views = views(text)
        probabilities = [self.model.probability(v.text) for v in all_views]
        best = max(range(len(all_views)), key=probabilities.__getitem__)
        top = probabilities[best]
        found: list[Detection] = []
        indirect = role in INDIRECT_ROLES
        if top >= self.threshold:
            kind = all_views[best].kind
            if kind != "canonical":
                found.append(_whole("jailbreak", "obfuscated_injection", text, top, view=kind))
            else:
                found.append(
                    _whole("injection", "indirect_injection" if indirect else "prompt_injection", text, top)
                )
        found.extend(self._rule_detections(text, all_views, top))
        signals = obfuscation_signals(text)
        hidden = [p for v, p in zip(all_views, probabilities, strict=True) if v.kind in _HIDING_VIEWS]
        hidden_top = max([*hidden, top if signals else 0.0])
        already = any(d.type == "obfuscated_injection" for d in found)
        if (signals or hidden) and hidden_top >= self.obfuscation_floor and not already:
            view = ",".join(signals) or "encoded"
            found.append(_whole("jailbreak", "obfuscated_attack", text, hidden_top, view=view))
        return sorted(found, key=lambda d: (d.start, d.detector, d.type))

    def _rule_detections(self, text: str, all_views: list[View], top: float) -> list[Detection]:
        found: list[Detection] = []
        seen: set[str] = set()
        same_offsets = len(all_views[0].text) == len(text)
        for view in all_views:
            for hit in match_rules(view.text):
                family = hit.family
                if family.id in seen or not (family.strong or top >= self.settings.rule_floor):
                    continue
                seen.add(family.id)
                start, end = (
                    (hit.start, hit.end) if view.kind == "canonical" and same_offsets else (0, len(text))
                )
                found.append(
                    Detection(
                        detector=family.detector,
                        type=family.type,
                        start=start,
                        end=end,
                        score=round(max(family.score, top), 4),
                        redacted=f"[{family.type}]",
                        attributes={"family": family.id, "view": view.kind, "classifier": round(top, 4)},
                    )
                )
        return found


def _whole(detector: str, kind: str, text: str, score: float, *, view: str = "canonical") -> Detection:
    return Detection(
        detector=detector,
        type=kind,
        start=0,
        end=len(text),
        score=round(score, 4),
        redacted=f"[{kind}]",
        attributes={"view": view, "classifier": round(score, 4)},
    )
