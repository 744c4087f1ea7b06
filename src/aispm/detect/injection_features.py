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


def sparse_rows(texts: list[str], spec: FeatureSpec) -> list[tuple[I64, F32]]:
    """:func:`sparse_row` of each text, computed in one vectorised pass (the same rows, bit for bit).

    The substring hash is position-independent, so the n-grams of every text are hashed off one
    prefix array of the concatenated (prepared) texts; n-grams never cross from one text into the
    next, and one sort of (text number, bucket) keys counts the buckets of every text at once.
    """
    prepared = [prepare(t) for t in texts]
    joined = "".join(prepared)
    total = len(joined)
    if total == 0:
        return [sparse_row(t, spec) for t in prepared]
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    _POWERS.ensure(total)
    with np.errstate(over="ignore"):
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * _POWERS.pw[:total])])
    starts: list[I64] = []
    ends: list[I64] = []
    owners: list[I64] = []
    word_parts: list[U64] = []
    word_owners: list[I64] = []
    offset = 0
    for number, text in enumerate(prepared):
        n = len(text)
        for size in spec.char_ngrams:
            if n >= size:
                first = np.arange(offset, offset + n - size + 1, dtype=np.int64)
                starts.append(first)
                ends.append(first + size)
                owners.append(np.full(len(first), number, dtype=np.int64))
        spans = [m.span() for m in _WORD.finditer(text)]
        if spans:
            bounds = np.array(spans, dtype=np.int64) + offset
            words = _substring_hashes(prefix, bounds[:, 0], bounds[:, 1]) ^ _SALT_BIGRAM
            if 1 in spec.word_ngrams:
                word_parts.append(words * np.uint64(3))
                word_owners.append(np.full(len(words), number, dtype=np.int64))
            if 2 in spec.word_ngrams and len(words) > 1:
                with np.errstate(over="ignore"):
                    word_parts.append(words[:-1] * _P + words[1:] * _MIX)
                word_owners.append(np.full(len(words) - 1, number, dtype=np.int64))
        offset += n
    parts: list[U64] = []
    if starts:
        parts.append(_substring_hashes(prefix, np.concatenate(starts), np.concatenate(ends)))
    parts.extend(word_parts)
    if not parts:
        return [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)) for _ in prepared]
    buckets = _bucket(np.concatenate(parts), spec.bits)
    owner = np.concatenate([*owners, *word_owners])
    keys, counts = np.unique((owner << spec.bits) | buckets, return_counts=True)
    cuts = np.searchsorted(keys >> spec.bits, np.arange(len(prepared) + 1, dtype=np.int64))
    mask = np.int64((1 << spec.bits) - 1)
    rows: list[tuple[I64, F32]] = []
    for number in range(len(prepared)):
        lo, hi = int(cuts[number]), int(cuts[number + 1])
        if lo == hi:
            rows.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)))
            continue
        values = np.sqrt(counts[lo:hi].astype(np.float32))
        values /= np.float32(np.sqrt(np.dot(values, values)))
        rows.append((keys[lo:hi] & mask, values))
    return rows
