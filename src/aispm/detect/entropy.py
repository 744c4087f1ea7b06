"""Randomness measures of candidate secret values: Shannon entropy and simple shape tests."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LETTER_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_DIGIT_RUNS = re.compile(r"[0-9]+")
_CONSONANT_RUN = re.compile(r"[^aeiouy]{5,}")
_VOWELS = frozenset("aeiouy")


def shannon_entropy(value: str) -> float:
    """Bits of Shannon entropy per character of ``value`` (0 for the empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_hex(value: str) -> bool:
    return _HEX.fullmatch(value) is not None


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def is_sequential(value: str) -> bool:
    """``abcdef…``, ``123456…``, ``0123456789abcdef``: most neighbours are consecutive."""
    if len(value) < 4:
        return False
    steps = sum(1 for a, b in itertools.pairwise(value) if ord(b) - ord(a) == 1)
    return steps >= (len(value) - 1) / 2


def is_wordlike(value: str) -> bool:
    """Identifiers and phrases (``OPENAI_API_KEY``, ``settings.openai.key``, ``myPassword123``)
    rather than random characters: long letter runs with vowels like natural words, no run of
    five consonants inside a word, at most one vowel-less word (an acronym such as ``SQL``) and
    at most two groups of digits."""
    words = _LETTER_RUNS.findall(value)
    if not words:
        return True
    if len(_DIGIT_RUNS.findall(value)) > 2:
        return False
    letters = sum(len(w) for w in words)
    vowels = sum(1 for c in value.lower() if c in _VOWELS)
    if letters / len(words) < 3 or vowels / letters < 0.25:
        return False
    lowered = [w.lower() for w in words]
    if any(_CONSONANT_RUN.search(w) for w in lowered):
        return False
    return sum(1 for w in lowered if len(w) >= 3 and _VOWELS.isdisjoint(w)) <= 1


def entropy_threshold(value: str, hex_bar: tuple[float, float], other_bar: tuple[float, float]) -> float:
    """Entropy a random-looking ``value`` of its length and alphabet should reach.

    A short string cannot reach high entropy, so each bar is ``(cap, slack)``: the threshold is
    ``log2(len) - slack``, at most ``cap``.  Hex strings (at most 4 bits/char) use ``hex_bar``.
    """
    cap, slack = hex_bar if is_hex(value) else other_bar
    return min(cap, math.log2(max(len(value), 2)) - slack)
