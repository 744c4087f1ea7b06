"""Detection benchmark: aispm's detectors on aispm's own dev split, side by side with offline peers.

Injection: precision, recall, F1, false-positive rate on benign rows and on hard negatives
separately, recall per category and per language (XQuAD-derived rows), items/s and p50/p99
latency per item — for aispm (all detectors through the registry, as the gateway runs them) and
for LLM Guard's ``InvisibleText`` input scanner (the injection-related LLM Guard scanner that runs
without a model download; ``PromptInjection`` needs a Hugging Face model and cannot run here).
PII: a generated set of validated values and invalid look-alikes, aispm vs Presidio's pattern
recognizers (no spaCy model: ``en_core_web_sm`` is not on PyPI, so the NLP engine is a stub).

    .venv/bin/python bench/detect_bench.py [--data DIR] [--skip-peers]

Peers run in their own venvs under bench/.peers-venv/ (created by hand, see bench/README.md);
a missing peer is reported as not run.  Results: a table on stdout and bench/out/detect.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aispm.detect.injection_data import Row, default_data_dir, load_rows, split  # noqa: E402
from aispm.detect.pii import PiiDetector  # noqa: E402
from aispm.detect.pii_validators import luhn  # noqa: E402
from aispm.detect.registry import default_detectors, run_detectors  # noqa: E402

PEERS = REPO / "bench" / ".peers-venv"
OUT = REPO / "bench" / "out"
INJECTION_DETECTORS = {"injection", "jailbreak"}
_LANG = re.compile(r"xquad\.([a-z]{2})\.json")


def role_of(row: Row) -> str:
    return "document" if row.category in ("indirect_injection", "benign_document") else "user"


def metrics(rows: Sequence[Row], flags: Sequence[bool], latencies: Sequence[float]) -> dict[str, Any]:
    tp = sum(f and r.label == 1 for f, r in zip(flags, rows, strict=True))
    fp = sum(f and r.label == 0 for f, r in zip(flags, rows, strict=True))
    fn = sum(not f and r.label == 1 for f, r in zip(flags, rows, strict=True))
    benign = sum(r.label == 0 for r in rows)
    hard = [f for f, r in zip(flags, rows, strict=True) if r.category == "hard_negative"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    per_category: dict[str, float] = {}
    for category in sorted({r.category for r in rows}):
        sel = [f for f, r in zip(flags, rows, strict=True) if r.category == category]
        per_category[category] = round(sum(sel) / len(sel), 4)
    per_language: dict[str, float] = {}
    by_lang: dict[str, list[bool]] = {}
    for f, r in zip(flags, rows, strict=True):
        lang = _LANG.search(r.group)
        if lang and r.label == 1:
            by_lang.setdefault(lang.group(1), []).append(f)
    per_language = {k: round(sum(v) / len(v), 4) for k, v in sorted(by_lang.items())}
    ordered = sorted(latencies)
    return {
        "rows": len(rows),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "fpr_benign": round(fp / benign, 4) if benign else 0.0,
        "fpr_hard_negative": round(sum(hard) / len(hard), 4) if hard else 0.0,
        "flag_rate_per_category": per_category,
        "recall_per_language_xquad": per_language,
        "items_per_s": round(len(latencies) / sum(latencies), 1) if latencies else 0.0,
        "p50_ms": round(statistics.median(ordered) * 1000, 3) if ordered else 0.0,
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 3) if ordered else 0.0,
    }


def run_aispm(rows: Sequence[Row]) -> dict[str, Any]:
    detectors = default_detectors()
    for r in rows[:20]:  # warm up (model load, regex compile)
        run_detectors(r.text, detectors, role=role_of(r))
    flags, latencies = [], []
    for r in rows:
        t0 = time.perf_counter()
        found = run_detectors(r.text, detectors, role=role_of(r))
        latencies.append(time.perf_counter() - t0)
        flags.append(any(d.detector in INJECTION_DETECTORS for d in found))
    result = metrics(rows, flags, latencies)
    two_kb = [r.text[:2048] for r in rows if len(r.text) >= 2048] or [(r.text * 8)[:2048] for r in rows[:200]]
    lat = []
    for text in two_kb:
        t0 = time.perf_counter()
        run_detectors(text, detectors, role="user")
        lat.append(time.perf_counter() - t0)
    lat.sort()
    result["all_detectors_2kb_p50_ms"] = round(statistics.median(lat) * 1000, 3)
    result["all_detectors_2kb_p99_ms"] = round(lat[int(0.99 * (len(lat) - 1))] * 1000, 3)
    return result


_LLM_GUARD = """
import json, sys, time
from llm_guard.input_scanners import InvisibleText
scanner = InvisibleText()
out = []
for line in sys.stdin:
    text = json.loads(line)
    t0 = time.perf_counter()
    _, valid, _ = scanner.scan(text)
    out.append([not valid, time.perf_counter() - t0])
print(json.dumps(out))
"""

_PRESIDIO = """
import json, sys, time
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

class NoNlp(NlpEngine):
    def load(self): pass
    def is_loaded(self): return True
    def process_text(self, text, language):
        return NlpArtifacts(
            entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=self, language=language
        )
    def process_batch(self, texts, language, batch_size=1, n_process=1, **kw):
        for t in texts: yield t, self.process_text(t, language)
    def is_stopword(self, word, language): return False
    def is_punct(self, word, language): return False
    def get_supported_entities(self): return []
    def get_supported_languages(self): return ["en"]

registry = RecognizerRegistry()
registry.load_predefined_recognizers()
engine = AnalyzerEngine(registry=registry, nlp_engine=NoNlp(), supported_languages=["en"])
out = []
for line in sys.stdin:
    text = json.loads(line)
    t0 = time.perf_counter()
    found = engine.analyze(text=text, language="en", score_threshold=0.5)
    out.append([[r.entity_type for r in found], time.perf_counter() - t0])
print(json.dumps(out))
"""


def run_peer(venv: str, code: str, texts: Sequence[str]) -> list[Any] | str:
    """Run ``code`` in a peer venv over ``texts``; its result list, or why it did not run."""
    python = PEERS / venv / "bin" / "python"
    if not python.exists():
        return f"not run: {python} missing"
    proc = subprocess.run(
        [str(python), "-c", code],
        input="\n".join(json.dumps(t) for t in texts),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        return "not run: " + (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]
    result: list[Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def pii_cases(seed: int = 7) -> list[tuple[str, str | None]]:
    """(text, expected type or None for an invalid look-alike) with generated values."""
    rng = random.Random(seed)

    def card(valid: bool) -> str:
        while True:
            body = "4" + "".join(rng.choice("0123456789") for _ in range(15))
            if luhn(body) == valid:
                return " ".join(body[i : i + 4] for i in range(0, 16, 4))

    cases: list[tuple[str, str | None]] = []
    for _ in range(100):
        cases.append((f"Please charge {card(True)} for the order.", "credit_card"))
        cases.append((f"Tracking number {card(False)} shipped today.", None))
        area = rng.choice([n for n in range(1, 900) if n != 666])
        cases.append(
            (f"SSN on file: {area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}.", "us_ssn")
        )
        cases.append((f"Order id 000-{rng.randint(10, 99)}-{rng.randint(1000, 9999)} confirmed.", None))
        cases.append((f"Contact me at user{rng.randint(1, 999)}@mail.example.com please.", "email"))
        cases.append(
            (f"Released on 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}, build 1.2.3.", None)
        )
    return cases


def run_pii(skip_peers: bool) -> dict[str, Any]:
    cases = pii_cases()
    detector = PiiDetector()
    presidio_map = {"CREDIT_CARD": "credit_card", "US_SSN": "us_ssn", "EMAIL_ADDRESS": "email"}

    def score(predicted: Callable[[int], set[str]]) -> dict[str, float]:
        tp = fp = fn = 0
        for i, (_, expected) in enumerate(cases):
            got = predicted(i) & {"credit_card", "us_ssn", "email"}
            if expected:
                tp += expected in got
                fn += expected not in got
                fp += len(got - {expected})
            else:
                fp += len(got)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "false_positives": fp}

    results: dict[str, Any] = {"cases": len(cases)}
    aispm_found = [{d.type for d in detector.detect(text)} for text, _ in cases]
    results["aispm"] = score(lambda i: aispm_found[i])
    if not skip_peers:
        peer = run_peer("presidio", _PRESIDIO, [t for t, _ in cases])
        if isinstance(peer, str):
            results["presidio_patterns"] = peer
        else:
            found = [{presidio_map.get(e, e) for e in entities} for entities, _ in peer]
            results["presidio_patterns"] = score(lambda i: found[i])
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(REPO))
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args(argv)
    _, dev = split(load_rows(args.data / "train.jsonl"))
    results: dict[str, Any] = {"dev_rows": len(dev), "injection": {"aispm": run_aispm(dev)}}
    if not args.skip_peers:
        peer = run_peer("llm-guard", _LLM_GUARD, [r.text for r in dev])
        if isinstance(peer, str):
            results["injection"]["llm_guard_invisible_text"] = peer
        else:
            flags = [bool(f) for f, _ in peer]
            results["injection"]["llm_guard_invisible_text"] = metrics(dev, flags, [t for _, t in peer])
        results["injection"]["llm_guard_prompt_injection"] = "not run: needs a Hugging Face model download"
    results["pii"] = run_pii(args.skip_peers)
    OUT.mkdir(exist_ok=True)
    (OUT / "detect.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
