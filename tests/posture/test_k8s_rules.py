"""Kubernetes rules on manifests and a Helm chart: every rule fires where it should and not on controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.model import Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.kubernetes import manifest_analyzers
from aispm.posture import builtin_rules, evaluate
from aispm.posture.policy import policy_from_dict

FIXTURES = Path(__file__).resolve().parents[1] / "discover" / "kubernetes" / "fixtures"
POLICY = {"approved_registries": ["registry.acme.io"], "approved_model_servers": ["vllm"]}


@pytest.fixture(scope="module")
def failed() -> set[tuple[str, str]]:
    inventory = RepositoryCollector(FIXTURES, manifest_analyzers()).collect()
    findings, _ = evaluate(inventory, policy_from_dict(POLICY))
    return {(f.rule_id, f.asset_id.split(":", 4)[-1].split(":", 1)[-1]) for f in findings}


CASES = [
    ("AISPM-K8S-001", "ai:Deployment:ollama"),
    ("AISPM-K8S-001", "ai:Deployment:vllm"),
    ("AISPM-K8S-001", "ml:InferenceService:llama"),
    ("AISPM-K8S-001", "ml:RayCluster:ray"),
    ("AISPM-K8S-001", "ml:StatefulSet:notebook"),
    ("AISPM-K8S-001", "default:Deployment:release-name-litellm"),  # Helm chart, default values
    ("AISPM-K8S-002", "ai:Deployment:vllm"),
    ("AISPM-K8S-003", "ai:llm-config"),
    ("AISPM-K8S-004", "ai:Deployment:vllm"),
    ("AISPM-K8S-005", "ai:Deployment:ollama"),
    ("AISPM-K8S-006", "ai:Deployment:ollama"),
    ("AISPM-K8S-007", "ai:Deployment:vllm"),
    ("AISPM-K8S-007", "ml:InferenceService:llama"),
    ("AISPM-K8S-008", "ai:Deployment:vllm"),
    ("AISPM-K8S-009", "ai:Deployment:ollama"),
    ("AISPM-K8S-010", "ai:Deployment:ollama"),
]
NEGATIVE = [
    "safe:Deployment:vllm-safe",  # auth, pinned model and image, approved registry and server, narrow role
    "safe:Deployment:web",  # not an AI workload
    "ml:InferenceService:internal",  # cluster-local, pinned by commit
]


@pytest.mark.parametrize(("rule", "asset"), CASES, ids=[f"{r}-{a}" for r, a in CASES])
def test_rule_fires(failed: set[tuple[str, str]], rule: str, asset: str) -> None:
    assert (rule, asset) in failed, sorted(a for r, a in failed if r == rule)


def test_negative_controls(failed: set[tuple[str, str]]) -> None:
    assert not [f for f in failed if f[1] in NEGATIVE[:2]]
    assert not [f for f in failed if f[1] == NEGATIVE[2] and f[0] in ("AISPM-K8S-001", "AISPM-K8S-007")]
    assert ("AISPM-K8S-001", "ml:Deployment:webui") not in failed  # Open WebUI keeps its login


def test_every_k8s_rule_is_covered() -> None:
    assert {r.id for r in builtin_rules() if r.id.startswith("AISPM-K8S")} == {c[0] for c in CASES}


def test_policy_lists_off_means_no_policy_findings() -> None:
    inventory = RepositoryCollector(FIXTURES, manifest_analyzers()).collect()
    findings, _ = evaluate(inventory, policy_from_dict({}))
    assert not [f for f in findings if f.rule_id in ("AISPM-K8S-008", "AISPM-K8S-010")]


_CACHE: dict[str, Inventory] = {}


def _one(key: str) -> Inventory:
    """An inventory of only the workload or ConfigMap whose id ends with ``key``."""
    if "all" not in _CACHE:
        _CACHE["all"] = RepositoryCollector(FIXTURES, manifest_analyzers()).collect()
    return Inventory.of([a for a in _CACHE["all"].assets if a.id.endswith(":" + key)])


K8S_CASES = [
    (rule, lambda asset=asset: _one(asset), lambda: _one(NEGATIVE[0]), policy_from_dict(POLICY))
    for rule, asset in {c[0]: c for c in CASES}.values()
]
"""One case per Kubernetes rule for tests/posture/test_builtin_rules.py (negative: the hardened vLLM)."""
