"""Hashed n-gram features of a text, computed with numpy (the same code trains and predicts).

Character 3-, 4- and 5-grams and word 1- and 2-grams are hashed into ``2**bits`` buckets.  The
hash of every substring comes from one prefix array of a polynomial hash modulo 2**64 (numpy's
uint64 arithmetic wraps), so a 2 KB text is featurised in a few vectorised operations instead of
thousands of Python-level hash calls.  The result is the bucket indices and their L2-normalised
counts — a sparse row that a linear model scores with one gather and one dot product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_P = np.uint64(0x100000001B3)  # FNV prime: odd, so invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SALT_BIGRAM = np.uint64(0xD6E8FEB86659FD93)
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")

U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """What the features are; stored with the model so prediction matches training."""

    bits: int = 18
    char_ngrams: tuple[int, ...] = (3, 4, 5)
    word_ngrams: tuple[int, ...] = (1, 2)


class _Powers:
    """Powers of the hash base and of its inverse, grown on demand."""

    def __init__(self) -> None:
        self.pw: U64 = np.ones(1, dtype=np.uint64)
        self.inv: U64 = np.ones(1, dtype=np.uint64)

    def ensure(self, n: int) -> None:
        if len(self.pw) > n:
            return
        size = max(n + 1, 2 * len(self.pw))
        with np.errstate(over="ignore"):
            self.pw = np.cumprod(np.full(size, _P, dtype=np.uint64), dtype=np.uint64)
            self.pw = np.concatenate([np.ones(1, dtype=np.uint64), self.pw[:-1]])
            self.inv = np.cumprod(np.full(size, _P_INV, dtype=np.uint64), dtype=np.uint64)
            self.inv = np.concatenate([np.ones(1, dtype=np.uint64), self.inv[:-1]])


_POWERS = _Powers()


def _substring_hashes(prefix: U64, starts: I64, ends: I64) -> U64:
    """Position-independent polynomial hash of ``s[start:end]`` for each pair."""
    with np.errstate(over="ignore"):
        raw = (prefix[ends] - prefix[starts]) * _POWERS.inv[starts]
        return raw + (ends - starts).astype(np.uint64) * _MIX


def _bucket(hashes: U64, bits: int) -> I64:
    with np.errstate(over="ignore"):
        mixed = (hashes ^ (hashes >> np.uint64(31))) * _MIX
        return (mixed >> np.uint64(64 - bits)).astype(np.int64)


def prepare(text: str) -> str:
    """The text the features are computed on: whitespace runs folded to one space."""
    return _SPACES.sub(" ", text).strip()


def feature_indices(text: str, spec: FeatureSpec) -> I64:
    """Bucket index of every n-gram occurrence in ``text`` (already :func:`prepare`-d)."""
    n = len(text)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    _POWERS.ensure(n)
    with np.errstate(over="ignore"):
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * _POWERS.pw[:n])])
    parts: list[U64] = []
    positions = np.arange(n + 1, dtype=np.int64)
    for size in spec.char_ngrams:
        if n >= size:
            parts.append(_substring_hashes(prefix, positions[: n - size + 1], positions[size:]))
    spans = [m.span() for m in _WORD.finditer(text)]
    if spans:
        bounds = np.array(spans, dtype=np.int64)
        words = _substring_hashes(prefix, bounds[:, 0], bounds[:, 1]) ^ _SALT_BIGRAM
        if 1 in spec.word_ngrams:
            parts.append(words * np.uint64(3))
        if 2 in spec.word_ngrams and len(words) > 1:
            with np.errstate(over="ignore"):
                parts.append(words[:-1] * _P + words[1:] * _MIX)
    return _bucket(np.concatenate(parts), spec.bits) if parts else np.zeros(0, dtype=np.int64)


def sparse_row(text: str, spec: FeatureSpec) -> tuple[I64, F32]:
    """Distinct bucket indices of ``text`` and their L2-normalised counts."""
    indices = feature_indices(prepare(text), spec)
    if len(indices) == 0:
        return indices, np.zeros(0, dtype=np.float32)
    unique, counts = np.unique(indices, return_counts=True)
    values = np.sqrt(counts.astype(np.float32))  # sublinear term frequency
    values /= np.float32(np.sqrt(np.dot(values, values)))
    return unique, values
