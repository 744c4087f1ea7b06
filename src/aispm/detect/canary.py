"""Canary tokens: a per-request token planted in the system prompt; seeing it in an output means
the system prompt leaked.  Matched also when spaced out, case-changed or base64-encoded."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

from aispm.detect.base import Detection


def _spaced(token: str) -> re.Pattern[str]:
    gap = r"[\s\-_.·*\u200b-\u200d]{0,3}"
    return re.compile(gap.join(re.escape(ch) for ch in token), re.IGNORECASE)


def _base64_forms(token: str) -> list[str]:
    """The token's base64 as it appears at each of the three alignments inside a longer blob."""
    forms = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + token.encode()).decode()
        skip = (pad * 4 + 2) // 3  # characters that depend on the padding bytes
        body = encoded[skip:].rstrip("=")
        forms.append(body[:-2] if len(body) > 4 else body)
    return forms


class CanaryDetector:
    """Finds any of ``tokens`` in a text (e.g. a model output)."""

    name = "canary"

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = [t for t in tokens if len(t) >= 6]
        self._spaced = [_spaced(t) for t in self.tokens]
        self._encoded = [_base64_forms(t) for t in self.tokens]

    def detect(self, text: str) -> list[Detection]:
        """Leaks of a canary token in ``text`` (``type`` says how it was written)."""
        found: list[Detection] = []
        for index, (spaced, encoded) in enumerate(zip(self._spaced, self._encoded, strict=True)):
            match = spaced.search(text)
            if match:
                exact = match.group() == self.tokens[index]
                found.append(
                    self._hit(
                        match.start(),
                        match.end(),
                        "canary_leak" if exact else "canary_leak_obfuscated",
                        index,
                    )
                )
                continue
            for form in encoded:
                at = text.find(form)
                if at >= 0:
                    found.append(self._hit(at, at + len(form), "canary_leak_encoded", index))
                    break
        return sorted(found, key=lambda d: d.start)

    def _hit(self, start: int, end: int, kind: str, index: int) -> Detection:
        return Detection(self.name, kind, start, end, 1.0, "[canary]", {"token_index": index})
