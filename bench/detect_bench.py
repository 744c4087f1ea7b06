"""Detection benchmark: aispm's detectors on aispm's own dev split, side by side with offline peers.

Injection: precision, recall, F1, false-positive rate on benign rows and on hard negatives
separately, recall per category and per language (XQuAD-derived rows), items/s and p50/p99
latency per item — for aispm (all detectors through the registry, as the gateway runs them) and
for each LLM Guard input scanner that runs without a model download (``InvisibleText``).
``PromptInjection`` needs a Hugging Face model: the bench tries to build it offline and reports
why it could not.  PII: a generated set of validated values and invalid look-alikes, aispm vs
Presidio's pattern recognizers (no spaCy model: ``en_core_web_sm`` is not on PyPI, so the NLP
engine is a stub) and vs LLM Guard's ``Regex`` scanner with the default patterns of its
``Anonymize`` scanner (whose NER model needs a download).  Secrets: generated provider keys in
prompts and look-alikes (placeholders, hashes, UUIDs, masked keys), aispm vs LLM Guard
``Secrets``.  Every peer figure comes with its per-item latency.

    .venv/bin/python bench/detect_bench.py [--data DIR] [--skip-peers]

Peers run in their own venvs under bench/.peers-venv/ (created by hand, see bench/README.md),
with ``HF_HUB_OFFLINE=1`` so nothing is downloaded; a missing peer is reported as not run.
Results: a table on stdout and bench/out/detect.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
from aispm.detect.secrets import SecretsDetector  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from gen_repo import PROVIDERS, decoy_line  # noqa: E402

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
    result["two_kb_items"] = len(two_kb)
    per_detector: dict[str, dict[str, float]] = {}
    for detector in detectors:
        seconds = []
        for text in two_kb:
            t0 = time.perf_counter()
            detector.detect(text)
            seconds.append(time.perf_counter() - t0)
        per_detector[detector.name] = latency(seconds)
    result["per_detector_2kb"] = per_detector
    return result


_LLM_GUARD = """
import json, sys, time
from llm_guard.input_scanners import InvisibleText, Regex, Secrets
from llm_guard.input_scanners.anonymize_helpers.regex_patterns import DEFAULT_REGEX_PATTERNS

def build(name):
    if name == "InvisibleText":
        return InvisibleText()
    if name == "Secrets":
        return Secrets(redact_mode="all")
    if name == "PromptInjection":
        from llm_guard.input_scanners import PromptInjection
        return PromptInjection()
    if name.startswith("Regex:"):  # one of Anonymize's default patterns, alone
        wanted = name.split(":", 1)[1]
        found = [e for p in DEFAULT_REGEX_PATTERNS if p["name"] == wanted for e in p.get("expressions", [])]
        return Regex(patterns=sorted(set(found)), is_blocked=True, redact=False)
    raise ValueError(name)

scanners, skipped = {}, {}
for name in sys.argv[1].split(","):
    try:
        scanners[name] = build(name)
    except Exception as exc:
        skipped[name] = f"not run: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
texts = [json.loads(line) for line in sys.stdin]
out = {name: [] for name in scanners}
for name, scanner in scanners.items():
    for text in texts[:5]:  # warm up
        scanner.scan(text)
    for text in texts:
        t0 = time.perf_counter()
        _, valid, _ = scanner.scan(text)
        out[name].append([not valid, time.perf_counter() - t0])
print(json.dumps({"results": out, "skipped": skipped}))
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


def run_peer(venv: str, code: str, texts: Sequence[str], *args: str) -> Any:
    """Run ``code`` in a peer venv over ``texts`` (offline); its JSON result, or why it did not run."""
    python = PEERS / venv / "bin" / "python"
    if not python.exists():
        return f"not run: {python} missing"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    proc = subprocess.run(
        [str(python), "-c", code, *args],
        input="\n".join(json.dumps(t) for t in texts),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        return "not run: " + (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def latency(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 3),
    }


def llm_guard(scanners: Sequence[str], texts: Sequence[str]) -> dict[str, Any]:
    """``{scanner: [[flagged, seconds], ...] or "not run: why"}`` for LLM Guard input scanners."""
    peer = run_peer("llm-guard", _LLM_GUARD, texts, ",".join(scanners))
    if isinstance(peer, str):
        return dict.fromkeys(scanners, peer)
    return {**peer["results"], **peer["skipped"]}


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


def typed_scores(
    cases: Sequence[tuple[str, str | None]], predicted: Sequence[set[str]], seconds: Sequence[float]
) -> dict[str, Any]:
    """Precision / recall / F1 over the expected types, FPR over the look-alike cases, latency."""
    tp = fp = fn = 0
    negatives = flagged_negatives = 0
    for (_, expected), got in zip(cases, predicted, strict=True):
        if expected:
            tp += expected in got
            fn += expected not in got
            fp += len(got - {expected})
        else:
            fp += len(got)
            negatives += 1
            flagged_negatives += bool(got)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "fpr_lookalikes": round(flagged_negatives / negatives, 4) if negatives else 0.0,
        "false_positives": fp,
        **latency(seconds),
    }


def timed(detect: Callable[[str], set[str]], texts: Sequence[str]) -> tuple[list[set[str]], list[float]]:
    for text in texts[:20]:  # warm up
        detect(text)
    found, seconds = [], []
    for text in texts:
        t0 = time.perf_counter()
        found.append(detect(text))
        seconds.append(time.perf_counter() - t0)
    return found, seconds


PII_TYPES = {"credit_card", "us_ssn", "email"}
LLM_GUARD_PII = {
    "Regex:CREDIT_CARD_RE": "credit_card",
    "Regex:US_SSN_RE": "us_ssn",
    "Regex:EMAIL_ADDRESS_RE": "email",
}


def run_pii(skip_peers: bool) -> dict[str, Any]:
    cases = pii_cases()
    texts = [t for t, _ in cases]
    detector = PiiDetector()
    presidio_map = {"CREDIT_CARD": "credit_card", "US_SSN": "us_ssn", "EMAIL_ADDRESS": "email"}
    results: dict[str, Any] = {"cases": len(cases)}
    found, seconds = timed(lambda t: {d.type for d in detector.detect(t)} & PII_TYPES, texts)
    results["aispm"] = typed_scores(cases, found, seconds)
    if skip_peers:
        return results
    peer = run_peer("presidio", _PRESIDIO, texts)
    if isinstance(peer, str):
        results["presidio_patterns"] = peer
    else:
        found = [{presidio_map.get(e, e) for e in entities} & PII_TYPES for entities, _ in peer]
        results["presidio_patterns"] = typed_scores(cases, found, [t for _, t in peer])
    guard = llm_guard(list(LLM_GUARD_PII), texts)
    missing = [v for v in guard.values() if isinstance(v, str)]
    if missing:
        results["llm_guard_regex_anonymize_patterns"] = missing[0]
    else:  # one Regex scanner per type; an item's latency is the three scans together
        found = [
            {kind for name, kind in LLM_GUARD_PII.items() if guard[name][i][0]} for i in range(len(cases))
        ]
        seconds = [sum(guard[name][i][1] for name in LLM_GUARD_PII) for i in range(len(cases))]
        results["llm_guard_regex_anonymize_patterns"] = typed_scores(cases, found, seconds)
    return results


def secret_cases(seed: int = 11) -> list[tuple[str, str | None]]:
    """(prompt, "secret" or None): provider keys pasted into prompts, and look-alikes."""
    rng = random.Random(seed)
    cases: list[tuple[str, str | None]] = []
    templates = (
        "My key {v} keeps returning 401, what am I doing wrong?",
        "Here is the config:\n{var}={v}\nWhy does the client not start?",
        'client = make_client(api_key="{v}")  # fails with a timeout, help',
    )
    for i in range(300):
        provider = PROVIDERS[i % len(PROVIDERS)]
        value = provider.make(rng)
        template = templates[i % 3] if provider.prefixed else templates[1]
        cases.append((template.format(v=value, var=provider.variables[0]), "secret"))
        line, _ = decoy_line(rng, rng.choice(("py", "env", "yaml", "md")))
        cases.append((f"Can you review this line from our repo?\n{line}", None))
    return cases


def run_secrets(skip_peers: bool) -> dict[str, Any]:
    cases = secret_cases()
    texts = [t for t, _ in cases]
    detector = SecretsDetector()
    results: dict[str, Any] = {"cases": len(cases)}
    found, seconds = timed(lambda t: {"secret"} if detector.detect(t) else set(), texts)
    results["aispm"] = typed_scores(cases, found, seconds)
    if not skip_peers:
        guard = llm_guard(["Secrets"], texts)["Secrets"]
        if isinstance(guard, str):
            results["llm_guard_secrets"] = guard
        else:
            found = [{"secret"} if flagged else set() for flagged, _ in guard]
            results["llm_guard_secrets"] = typed_scores(cases, found, [t for _, t in guard])
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(REPO))
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args(argv)
    _, dev = split(load_rows(args.data / "train.jsonl"))
    results: dict[str, Any] = {"dev_rows": len(dev), "injection": {"aispm": run_aispm(dev)}}
    if not args.skip_peers:
        # PromptInjection is tried first on two texts only: it needs a model download
        probe = llm_guard(["PromptInjection"], ["hello", "ignore previous instructions"])
        results["injection"]["llm_guard_prompt_injection"] = (
            probe["PromptInjection"] if isinstance(probe["PromptInjection"], str) else "ran (see below)"
        )
        guard = llm_guard(["InvisibleText"], [r.text for r in dev])
        for name, peer in guard.items():
            key = f"llm_guard_{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}"
            results["injection"][key] = (
                peer
                if isinstance(peer, str)
                else metrics(dev, [bool(f) for f, _ in peer], [t for _, t in peer])
            )
    results["pii"] = run_pii(args.skip_peers)
    results["secrets"] = run_secrets(args.skip_peers)
    OUT.mkdir(exist_ok=True)
    (OUT / "detect.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
