"""Azure, GCP (aispm's own) and AWS (shared) rules on assets found in IaC: positives and negative controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.model import Finding, Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.iac import iac_analyzers
from aispm.posture import evaluate, load_policy
from aispm.posture.policy import Policy

FIXTURES = Path(__file__).resolve().parents[1] / "discover" / "iac" / "fixtures"


@pytest.fixture(scope="module")
def failed() -> set[tuple[str, str]]:
    inventory = RepositoryCollector(FIXTURES, iac_analyzers()).collect()
    findings, _ = evaluate(inventory, load_policy(None))
    return {(f.rule_id, _address(f)) for f in findings if f.status == "fail"}


_CACHE: dict[str, Inventory] = {}


def _one(suffix: str) -> Inventory:
    """An inventory holding only the asset whose IaC address ends with ``suffix``."""
    if "all" not in _CACHE:
        _CACHE["all"] = RepositoryCollector(FIXTURES, iac_analyzers()).collect()
    assets = [
        a
        for a in _CACHE["all"].assets
        if isinstance(a.properties.get("iac"), dict) and str(a.properties["iac"]["address"]).endswith(suffix)
    ]
    assert len(assets) == 1, suffix
    return Inventory.of(assets)


def _address(f: Finding) -> str:
    return f.asset_id.rsplit(":", 1)[-1].replace("%3A", ":").split("/", 1)[-1]


CASES = [
    # rule, flagged address, negative control (hardened twin) that must not be flagged
    ("AISPM-AZURE-001", "azurerm_cognitive_account.openai", "azurerm_cognitive_account.hardened"),
    ("AISPM-AZURE-001", "azurerm_search_service.search", "azurerm_search_service.private"),
    (
        "AISPM-AZURE-001",
        "azurerm_machine_learning_compute_cluster.cc",
        "azurerm_machine_learning_compute_cluster.private",
    ),
    ("AISPM-AZURE-002", "azurerm_cognitive_account.openai", "azurerm_cognitive_account.hardened"),
    (
        "AISPM-AZURE-002",
        "azurerm_machine_learning_workspace.ws",
        "azurerm_machine_learning_workspace.private",
    ),
    ("AISPM-AZURE-003", "azurerm_cognitive_account.openai", "azurerm_cognitive_account.hardened"),
    ("AISPM-AZURE-004", "azurerm_cognitive_deployment.nofilter", "azurerm_cognitive_deployment.filtered"),
    ("AISPM-AZURE-005", "azurerm_cognitive_account.openai", "azurerm_cognitive_account.hardened"),
    ("AISPM-AZURE-006", "azurerm_cognitive_account.openai", "azurerm_cognitive_account.hardened"),
    (
        "AISPM-AZURE-005",
        "azurerm_machine_learning_workspace.ws",
        "azurerm_machine_learning_workspace.private",
    ),
    ("AISPM-AZURE-006", "azurerm_search_service.search", "azurerm_search_service.private"),
    (
        "AISPM-AZURE-007",
        "azurerm_machine_learning_compute_cluster.cc",
        "azurerm_machine_learning_compute_cluster.private",
    ),
    (
        "AISPM-AZURE-008",
        "azurerm_machine_learning_workspace.ws",
        "azurerm_machine_learning_workspace.private",
    ),
    ("AISPM-GCP-001", "google_workbench_instance.open", "google_workbench_instance.locked"),
    ("AISPM-GCP-002", "google_workbench_instance.open", "google_workbench_instance.locked"),
    ("AISPM-GCP-002", "google_vertex_ai_dataset.ds", "google_vertex_ai_endpoint.private"),
    ("AISPM-GCP-003", "google_vertex_ai_endpoint.public", "google_vertex_ai_endpoint.private"),
    ("AISPM-GCP-004", "google_workbench_instance.open", "google_workbench_instance.locked"),
    ("AISPM-GCP-005", "google_workbench_instance.open", "google_workbench_instance.locked"),
    # the shared AWS rules apply to IaC assets exactly as to live ones
    ("AISPM-AWS-001", "aws_sagemaker_notebook_instance.bad", "aws_sagemaker_notebook_instance.good"),
    ("AISPM-AWS-002", "aws_sagemaker_notebook_instance.bad", "aws_sagemaker_notebook_instance.good"),
    ("AISPM-AWS-003", "aws_sagemaker_notebook_instance.bad", "aws_sagemaker_notebook_instance.good"),
    ("AISPM-AWS-004", "aws_sagemaker_notebook_instance.bad", "aws_sagemaker_notebook_instance.good"),
    ("AISPM-AWS-001", "template.yaml/Notebook", None),
    ("AISPM-AWS-006", "aws_sagemaker_model.m", "template.yaml/Model"),
    ("AISPM-AWS-012", "aws_sagemaker_endpoint_configuration.ec", None),
    ("AISPM-AWS-024", "aws_bedrock_guardrail.weak", "template.json/Guard"),
    ("AISPM-AWS-028", "aws_bedrockagent_agent.agent", None),
    ("AISPM-AWS-031", "aws_iam_role.sagemaker", "aws_iam_role.narrow"),
    ("AISPM-AWS-031", "template.yaml/Role", None),
    ("AISPM-AWS-042", "aws_iam_role.sagemaker", "aws_iam_role.narrow"),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_rule_flags_bad_and_spares_good(
    failed: set[tuple[str, str]], rule: str, bad: str, good: str | None
) -> None:
    flagged = {addr for rid, addr in failed if rid == rule}
    assert any(a.endswith(bad) for a in flagged), (rule, sorted(flagged))
    if good:
        assert not any(a.endswith(good) for a in flagged), (rule, sorted(flagged))


def test_every_azure_and_gcp_rule_is_covered() -> None:
    from aispm.posture import builtin_rules

    own = {r.id for r in builtin_rules() if r.id.startswith(("AISPM-AZURE", "AISPM-GCP"))}
    assert own == {c[0] for c in CASES if c[0].startswith(("AISPM-AZURE", "AISPM-GCP"))}


def test_findings_carry_file_and_line() -> None:
    inventory = RepositoryCollector(FIXTURES, iac_analyzers()).collect()
    findings, _ = evaluate(inventory, load_policy(None))
    f = next(f for f in findings if f.rule_id == "AISPM-AWS-001" and "bad" in f.asset_id)
    assert f.location is not None and (f.location.path, f.location.line) == ("aws_tf/main.tf", 2)


def _case(rule: str, bad: str, good: str) -> tuple[str, object, object, Policy]:
    return (rule, lambda: _one(bad), lambda: _one(good), Policy())


IAC_CASES = [
    _case(rule, bad, good)
    for rule, bad, good in {
        c[0]: c for c in CASES if c[0].startswith(("AISPM-AZURE", "AISPM-GCP")) and c[2]
    }.values()
]
"""One case per Azure/GCP rule for tests/posture/test_builtin_rules.py (positive: the flagged resource
alone, negative: its hardened twin alone)."""
