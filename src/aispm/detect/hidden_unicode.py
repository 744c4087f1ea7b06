"""Hidden Unicode: tag characters (hidden ASCII), bidi controls and zero-width characters."""

from __future__ import annotations

import re
from functools import cache

from aispm.data import load_yaml
from aispm.detect.base import Detection
from aispm.detect.normalize import hidden_tag_text


def _char_class(ranges: list[list[int]]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], float], ...]:
    uni = load_yaml("detect_unicode.yaml")
    lo, hi = uni["tags"]
    return (
        ("unicode_tags", re.compile(f"[\\U{lo:08x}-\\U{hi:08x}]+"), 0.95),
        ("bidi_control", re.compile(f"[{_char_class(uni['bidi'])}]+"), 0.7),
        # zero-width characters inside a Latin word split it to dodge matching
        ("zero_width", re.compile(f"(?<=[A-Za-z])[{_char_class(uni['invisible'])}]+(?=[A-Za-z])"), 0.6),
    )


class HiddenUnicodeDetector:
    """Flags characters that hide or reorder text; tag characters report the hidden length."""

    name = "hidden_unicode"

    def detect(self, text: str) -> list[Detection]:
        """Runs of hidden characters in ``text``."""
        if text.isascii():
            return []
        found: list[Detection] = []
        for kind, pattern, score in _patterns():
            for match in pattern.finditer(text):
                attributes: dict[str, object] = {"characters": match.end() - match.start()}
                if kind == "unicode_tags":
                    attributes["hidden_ascii_length"] = len(hidden_tag_text(match.group()))
                found.append(
                    Detection(self.name, kind, match.start(), match.end(), score, f"[{kind}]", attributes)
                )
        return sorted(found, key=lambda d: d.start)
