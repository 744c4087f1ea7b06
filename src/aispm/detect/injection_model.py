"""The shipped injection classifier: a logistic regression over hashed n-grams, run with numpy.

The weights live in ``aispm/detect/models/injection.npz`` (plain float arrays, loaded with
``allow_pickle=False``) and the metadata — feature spec, decision threshold, training figures —
in ``injection.json`` beside it.  ``scripts/train_injection.py`` writes both.  The model is
loaded once per process.  Texts longer than a window are scored window by window (the maximum
wins), so an instruction buried in a long retrieved document is not diluted by the rest.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from aispm.detect.injection_features import F32, FeatureSpec, sparse_row

WINDOW = 1536
"""Default characters scored at once; longer texts are cut into overlapping windows."""
STRIDE = 1024
"""Default step between window starts (a model's metadata may set both)."""
MODEL_PACKAGE = "aispm.detect.models"


@dataclass(frozen=True)
class InjectionModel:
    """Weights, bias, feature spec and the decision threshold of the classifier."""

    weights: F32
    bias: float
    spec: FeatureSpec
    threshold: float
    meta: dict[str, Any]
    window: int = WINDOW
    stride: int = STRIDE

    def probability(self, text: str) -> float:
        """Probability that ``text`` (a canonical view) is an attack, max over its windows."""
        return max(self._probability(part) for part in windows(text, self.window, self.stride))

    def _probability(self, text: str) -> float:
        indices, values = sparse_row(text, self.spec)
        logit = self.bias + float(np.dot(self.weights[indices], values)) if len(indices) else self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def windows(text: str, window: int = WINDOW, stride: int = STRIDE) -> list[str]:
    """``text`` itself when it fits one window, else overlapping windows covering all of it."""
    if len(text) <= window:
        return [text]
    starts = [*range(0, len(text) - window, stride), len(text) - window]
    return [text[start : start + window] for start in starts]


def spec_from_meta(meta: dict[str, Any]) -> FeatureSpec:
    """The feature spec recorded in a model's metadata."""
    raw = meta["features"]
    return FeatureSpec(
        bits=int(raw["bits"]),
        char_ngrams=tuple(int(n) for n in raw["char_ngrams"]),
        word_ngrams=tuple(int(n) for n in raw["word_ngrams"]),
    )


@cache
def shipped_model() -> InjectionModel:
    """The classifier shipped in the package (loaded once)."""
    files = resources.files(MODEL_PACKAGE)
    meta = json.loads(files.joinpath("injection.json").read_text(encoding="utf-8"))
    with files.joinpath("injection.npz").open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        weights = np.asarray(data["weights"], dtype=np.float32)
        bias = float(data["bias"][0])
    return InjectionModel(
        weights,
        bias,
        spec_from_meta(meta),
        float(meta["threshold"]),
        meta,
        window=int(meta.get("window", WINDOW)),
        stride=int(meta.get("stride", STRIDE)),
    )
