"""The injection corpus (``shared/datasets/injection/train.jsonl``) and aispm's own train/dev split.

Used by ``scripts/train_injection.py``, ``bench/detect_bench.py`` and the tests, so all three see
the same split.  The split is by source: rows assembled from the same files (template, document,
payload list) share a group, and a whole group goes to train or to dev.  Groups are shuffled with
a fixed seed and taken into dev while every category they carry stays under its 20 % quota (25 %
hard cap), so each category gets a dev share without a big file landing whole in dev.

``harmful_request`` rows are harmful *asks*, not attempts to subvert instructions: they are left
out of the injection label (neither attack nor benign) — see docs/decisions.md, "Detectors".
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SPLIT_SEED = 20261125
DEV_SHARE = 0.20
DEV_CAP = 0.25
EXCLUDED_CATEGORIES = frozenset({"harmful_request"})
BENIGN_CATEGORIES = frozenset({"benign_chat", "benign_code", "benign_document", "hard_negative"})


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled text (label 1 = attack)."""

    text: str
    label: int
    category: str
    source: str
    group: str


def default_data_dir(repo_root: Path) -> Path:
    """``shared/datasets/injection`` beside the repository checkout."""
    return repo_root.parent / "shared" / "datasets" / "injection"


def group_of(source: str) -> str:
    """The split group of a row: the sorted set of ``repo:path`` it was assembled from."""
    parts = set()
    for piece in source.split(" + "):
        repo = piece.split("@", 1)[0]
        path = piece.split(":", 1)[1] if ":" in piece else piece
        parts.add(f"{repo}:{path}")
    return " + ".join(sorted(parts))


def load_rows(path: Path) -> list[Row]:
    """Rows of ``train.jsonl`` minus the excluded categories."""
    rows: list[Row] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            if raw["category"] in EXCLUDED_CATEGORIES:
                continue
            rows.append(
                Row(raw["text"], int(raw["label"]), raw["category"], raw["source"], group_of(raw["source"]))
            )
    return rows


def split(rows: Iterable[Row], seed: int = SPLIT_SEED) -> tuple[list[Row], list[Row]]:
    """(train, dev), split by group with per-category quotas (deterministic for a seed)."""
    rows = list(rows)
    by_group: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_group[row.group].append(row)
    totals = Counter(row.category for row in rows)
    groups = sorted(by_group, key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
    random.Random(seed).shuffle(groups)
    taken: Counter[str] = Counter()
    dev_groups: set[str] = set()
    for group in groups:
        counts = Counter(row.category for row in by_group[group])
        if all(taken[c] >= DEV_SHARE * totals[c] for c in counts):
            continue
        if any(taken[c] + n > DEV_CAP * totals[c] for c, n in counts.items()):
            continue
        dev_groups.add(group)
        taken.update(counts)
    train = [row for row in rows if row.group not in dev_groups]
    dev = [row for row in rows if row.group in dev_groups]
    return train, dev
