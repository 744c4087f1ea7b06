"""Azure, GCP (aispm's own) and AWS (shared) rules on assets found in IaC: positives and negative controls."""

from __future__ import annotations

import json
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
    (
        "AISPM-AZURE-009",
        "azurerm_machine_learning_compute_cluster.cc",
        "azurerm_machine_learning_compute_cluster.private",
    ),
    ("AISPM-AZURE-010", "azurerm_search_service.search", "azurerm_search_service.private"),
    ("AISPM-AZURE-011", "azurerm_search_service.search", "azurerm_search_service.private"),
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


_SEARCH = 'resource "azurerm_search_service" "{name}" {{\n  name = "{name}"\n  sku = "standard"\n{extra}}}\n'
_CLUSTER = (
    'resource "azurerm_machine_learning_compute_cluster" "{name}" {{\n  name = "{name}"\n'
    "  scale_settings {{\n    min_node_count = {nodes}\n    max_node_count = 4\n  }}\n}}\n"
)


def _scan(root: Path) -> dict[tuple[str, str], str]:
    """``(rule, resource name) -> status`` of the AZURE-009/010/011 findings of a tree."""
    findings, _ = evaluate(RepositoryCollector(root, iac_analyzers()).collect(), load_policy(None))
    return {
        (f.rule_id, f.asset_id.rsplit(".", 1)[-1]): f.status
        for f in findings
        if f.rule_id in ("AISPM-AZURE-009", "AISPM-AZURE-010", "AISPM-AZURE-011")
    }


def test_replica_and_node_counts_at_the_thresholds(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "replicas" {}\nvariable "warm" {\n  default = 2\n}\n'
        + _SEARCH.format(name="two", extra="  replica_count = 2\n")
        + _SEARCH.format(name="three", extra='  replica_count = "3"\n')
        + _SEARCH.format(name="unset", extra="  replica_count = var.replicas\n")
        + _CLUSTER.format(name="cold", nodes=0)
        + _CLUSTER.format(name="warm", nodes="var.warm")
        + 'resource "azurerm_machine_learning_compute_instance" "ci" {\n  name = "ci"\n}\n'
    )
    assert _scan(tmp_path) == {
        ("AISPM-AZURE-011", "two"): "fail",  # 2 replicas: the query SLA, not the read-write one
        ("AISPM-AZURE-010", "unset"): "unknown",  # a variable without a default: neither pass nor fail
        ("AISPM-AZURE-011", "unset"): "unknown",
        ("AISPM-AZURE-009", "warm"): "fail",  # from the variable's default; instances have no scale settings
    }


def test_plan_values_are_judged_like_terraform(tmp_path: Path) -> None:
    def resource(rtype: str, name: str, values: dict[str, object]) -> dict[str, object]:
        return {
            "address": f"{rtype}.{name}",
            "mode": "managed",
            "type": rtype,
            "name": name,
            "values": values,
        }

    cluster = "azurerm_machine_learning_compute_cluster"
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    resource("azurerm_search_service", "one", {"name": "one", "replica_count": 1}),
                    resource("azurerm_search_service", "three", {"name": "three", "replica_count": 3}),
                    resource(cluster, "warm", {"name": "warm", "scale_settings": [{"min_node_count": 1}]}),
                    resource(cluster, "cold", {"name": "cold", "scale_settings": [{"min_node_count": 0}]}),
                ]
            }
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert _scan(tmp_path) == {
        ("AISPM-AZURE-010", "one"): "fail",
        ("AISPM-AZURE-011", "one"): "fail",
        ("AISPM-AZURE-009", "warm"): "fail",
    }


_KB_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Exposure: {{Type: String, Default: {acl}}}
Resources:
  Docs:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: !Ref Exposure
{block}
  KbRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: bedrock.amazonaws.com}}, Action: sts:AssumeRole}}]
  Kb:
    Type: AWS::Bedrock::KnowledgeBase
    Properties:
      Name: kb
      RoleArn: !GetAtt KbRole.Arn
      KnowledgeBaseConfiguration: {{Type: VECTOR}}
  Source:
    Type: AWS::Bedrock::DataSource
    Properties:
      Name: docs
      KnowledgeBaseId: !Ref Kb
      DataSourceConfiguration:
        Type: S3
        S3Configuration: {{BucketArn: !GetAtt Docs.Arn}}
"""


@pytest.mark.parametrize(
    ("acl", "block", "expected"),
    [
        ("Private", "", []),  # declared without policy or grants: private
        ("PublicRead", "", ["fail"]),
        (
            "PublicRead",
            "      PublicAccessBlockConfiguration: {IgnorePublicAcls: true, RestrictPublicBuckets: true}",
            [],
        ),
    ],
)
def test_bucket_exposure_is_judged_from_what_the_template_declares(
    tmp_path: Path, acl: str, block: str, expected: list[str]
) -> None:
    (tmp_path / "kb.yaml").write_text(_KB_TEMPLATE.format(acl=acl, block=block))
    inventory = RepositoryCollector(tmp_path, iac_analyzers()).collect()
    findings, _ = evaluate(inventory, load_policy(None))
    assert [f.status for f in findings if f.rule_id == "AISPM-AWS-043"] == expected


def test_settings_left_to_apply_time_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "public" {}\nvariable "secure_boot" {}\n'
        'resource "google_workbench_instance" "wb" {\n  name = "wb"\n  location = "us-central1-a"\n'
        "  gce_setup {\n    disable_public_ip = var.public\n"
        "    shielded_instance_config { enable_secure_boot = var.secure_boot }\n  }\n}\n"
        'resource "azurerm_search_service" "s" {\n  name = "s"\n  sku = "standard"\n'
        "  public_network_access_enabled = var.public\n}\n"
    )
    inventory = RepositoryCollector(tmp_path, iac_analyzers()).collect()
    findings, _ = evaluate(inventory, load_policy(None))
    status = {f.rule_id: f.status for f in findings}
    assert status["AISPM-GCP-001"] == "unknown"
    assert status["AISPM-GCP-004"] == "unknown"
    assert status["AISPM-AZURE-002"] == "unknown"
