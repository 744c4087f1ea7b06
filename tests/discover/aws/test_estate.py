"""The AWS collector against a moto server holding a realistic AI estate (real boto3 over HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_env import aws_environment
from aws_estate import FILLER_ROLES, HF_TOKEN, NOTEBOOKS, OPENAI_KEY, seed_estate
from aws_stub import Stub

from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.discover.aws.scope import asset_id, bucket_arn

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def estate(stub: Stub, moto_port: int) -> Iterator[tuple[Inventory, Stub, dict[str, str]]]:
    """Seeded and scanned once for the module (seeding 100+ notebooks and roles takes seconds)."""
    with aws_environment(stub, moto_port):
        seeded = seed_estate()
        stub.state.calls.clear()
        inventory = AwsCollector(AwsOptions(regions=("us-east-1",))).collect()
        yield inventory, stub, seeded


def _one(inv: Inventory, resource_type: str, name: str) -> object:
    found = [a for a in inv.assets if a.properties.get("resource_type") == resource_type and a.name == name]
    assert len(found) == 1, (resource_type, name, len(found))
    return found[0]


def _types(inv: Inventory, resource_type: str) -> list[str]:
    return sorted(a.name for a in inv.assets if a.properties.get("resource_type") == resource_type)


def test_every_page_is_read(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, stub, _ = estate
    assert len(_types(inv, "sagemaker:notebook-instance")) == NOTEBOOKS + 1
    assert stub.state.calls["sagemaker:ListNotebookInstances"] >= 2  # more than one page
    roles = _types(inv, "iam:role")
    assert len(roles) == FILLER_ROLES + 2 and "sagemaker-exec" in roles


def test_assets_follow_the_contract(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, _, _ = estate
    nb = _one(inv, "sagemaker:notebook-instance", "research-nb")
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/research-nb"
    assert nb.id == asset_id("sagemaker:notebook-instance", arn)  # type: ignore[attr-defined]
    assert nb.kind == AssetKind.NOTEBOOK  # type: ignore[attr-defined]
    props = nb.properties  # type: ignore[attr-defined]
    assert props["DirectInternetAccess"] == "Enabled" and props["RootAccess"] == "Enabled"
    assert props["arn"] == arn and props["account_id"] == ACCOUNT and props["region"] == "us-east-1"
    assert props["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"
    assert isinstance(props["CreationTime"], str)  # datetimes as ISO strings
    quiet = _one(inv, "sagemaker:notebook-instance", "nb-000")
    assert quiet.properties["DirectInternetAccess"] == "Disabled"  # type: ignore[attr-defined]
    assert _one(inv, "sagemaker:endpoint", "fraud-endpoint").kind == AssetKind.MODEL_ENDPOINT  # type: ignore[attr-defined]
    assert _one(inv, "ecr:repository", "llm-serving").kind == AssetKind.REGISTRY  # type: ignore[attr-defined]
    assert _one(inv, "iam:policy", "AIAdmin").kind == AssetKind.POLICY  # type: ignore[attr-defined]


def test_relationships(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, _, seeded = estate
    region, acct = "us-east-1", ACCOUNT

    def sm(kind: str, name: str) -> str:
        return asset_id(f"sagemaker:{kind}", f"arn:aws:sagemaker:{region}:{acct}:{kind}/{name}")

    def bucket(name: str) -> str:
        return asset_id("s3:bucket", bucket_arn("aws", name))

    role = asset_id("iam:role", seeded["sagemaker"])
    edges = {r.key for r in inv.relationships}
    assert (sm("notebook-instance", "research-nb"), "runs_as", role) in edges
    assert (sm("training-job", "fraud-train"), "reads", bucket("acme-training-data")) in edges
    assert (sm("training-job", "fraud-train"), "writes", bucket("acme-model-artifacts")) in edges
    assert (sm("training-job", "fraud-train"), "reads", bucket("acme-model-artifacts")) not in edges
    assert (sm("model", "fraud-model"), "reads", bucket("acme-model-artifacts")) in edges
    assert (sm("endpoint", "fraud-endpoint"), "exposes", sm("model", "fraud-model")) in edges
    assert (sm("endpoint-config", "fraud-config"), "writes", bucket("acme-invocation-logs")) in edges
    fn = asset_id("lambda:function", seeded["function"])
    url = asset_id("lambda:function-url", seeded["function"] + "/function-url")
    assert (url, "exposes", fn) in edges
    assert (fn, "invokes", sm("endpoint", "fraud-endpoint")) in edges
    haiku = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    assert (fn, "invokes", asset_id("bedrock:foundation-model", haiku)) in edges
    assert any(k == "exposes" and t == fn and "apigateway" in s for s, k, t in edges)
    admin = asset_id("iam:policy", seeded["admin_policy"])
    user = asset_id("iam:user", f"arn:aws:iam::{acct}:user/ml-engineer")
    assert (admin, "attached_to", user) in edges
    gpu = asset_id("ec2:instance", f"arn:aws:ec2:{region}:{acct}:instance/{seeded['gpu']}")
    assert (gpu, "runs_as", role) in edges  # through the instance profile
    assert any(
        r.kind == RelationKind.USES and "ecr" in r.target for r in inv.outgoing(sm("model", "fraud-model"))
    )


def test_iam_documents_and_buckets(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, _, _ = estate
    role = _one(inv, "iam:role", "sagemaker-exec").properties  # type: ignore[attr-defined]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"
    }
    attached = {p["PolicyName"]: p for p in role["attached_policies"]}
    assert attached["AmazonSageMakerFullAccess"]["document"]["Statement"]  # AWS-managed document fetched
    assert role["inline_policies"][0]["document"]["Statement"][0]["Action"] == "s3:GetObject"
    user = _one(inv, "iam:user", "ml-engineer").properties  # type: ignore[attr-defined]
    assert user["groups"][0]["attached_policies"][0]["document"]["Statement"][0]["Action"] == "bedrock:*"
    public = _one(inv, "s3:bucket", "acme-model-artifacts").properties  # type: ignore[attr-defined]
    assert public["policy"]["Statement"][0]["Principal"] == "*"
    assert public["public_access_block"] is None
    private = _one(inv, "s3:bucket", "acme-training-data").properties  # type: ignore[attr-defined]
    assert private["public_access_block"]["BlockPublicPolicy"] is True and private["policy"] is None
    assert private["versioning"]["Status"] == "Enabled"
    assert (
        private["encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    )
    assert "acme-website" not in _types(inv, "s3:bucket")  # not AI, not used by AI: not read in detail


def test_workloads_and_secrets(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, _, _ = estate
    blob = json.dumps([a.to_json() for a in inv.assets])
    assert OPENAI_KEY not in blob and HF_TOKEN not in blob
    fn = _one(inv, "lambda:function", "chat-api").properties  # type: ignore[attr-defined]
    assert fn["Environment"]["Variables"]["OPENAI_API_KEY"].startswith("sk-proj-…")
    assert fn["Environment"]["Variables"]["BEDROCK_MODEL_ID"].startswith("anthropic.")
    assert {s["secret_type"] for s in fn["secrets"]} == {"openai_project_key"}
    assert "nightly-report" in _types(inv, "lambda:function")
    assert "secrets" not in _one(inv, "lambda:function", "nightly-report").properties  # type: ignore[attr-defined]
    secrets = {a.properties["provider"] for a in inv.of_kind(AssetKind.SECRET)}
    assert {"openai", "huggingface"} <= secrets
    urls = [a for a in inv.assets if a.properties.get("resource_type") == "lambda:function-url"]
    assert len(urls) == 1 and urls[0].properties["AuthType"] == "NONE"
    gpu = _one(inv, "ec2:instance", "llm-finetune").properties  # type: ignore[attr-defined]
    assert gpu["imds_v1_enabled"] is True and gpu["InstanceType"] == "g5.xlarge"
    assert len(_types(inv, "ec2:instance")) == 1  # the t3.micro is not an AI workload
    sg = next(a for a in inv.assets if a.properties.get("resource_type") == "ec2:security-group")
    assert sg.properties["open_to_internet"] == ["tcp:8888-8888"]
    assert _one(inv, "opensearch:domain", "kb-vectors").kind == AssetKind.DATA_STORE  # type: ignore[attr-defined]
    repo = _one(inv, "ecr:repository", "llm-serving").properties  # type: ignore[attr-defined]
    assert "policyText" in repo["repository_policy"]


def test_coverage_summary(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    inv, _, _ = estate
    account = next(a for a in inv.assets if a.properties.get("resource_type") == "aws:account")
    coverage = account.properties["coverage"]
    assert coverage["global"]["iam"] == "ok" and coverage["us-east-1"]["ec2"] == "ok"
    # moto does not implement these: a gap, never a silent pass
    assert coverage["us-east-1"]["sagemaker"] == "error"
    gaps = [w for w in inv.warnings if w.kind == "coverage_gap"]
    assert any("list_user_profiles" in w.message for w in gaps)
    assert all(w.location and w.location.uri and w.location.uri.startswith(f"aws:{ACCOUNT}:") for w in gaps)


def test_pipeline_evaluates_iam_and_the_rules_decide(estate: tuple[Inventory, Stub, dict[str, str]]) -> None:
    """After collection the scan pipeline adds effective AI permissions, so IAM rules fail or
    pass on evidence instead of reporting "unknown"."""
    from aispm.pipeline import link_sources
    from aispm.posture import evaluate, load_policy

    inv = Inventory()
    inv.extend(estate[0])
    link_sources(inv)
    identities = [a for a in inv.assets if a.properties.get("resource_type") in ("iam:role", "iam:user")]
    assert identities and all("ai_permissions" in a.properties for a in identities)
    findings, _ = evaluate(inv, load_policy(None))
    wide = [f for f in findings if f.rule_id == "AISPM-AWS-040" and f.status == "fail"]
    assert wide, "the estate's bedrock:* grant must fail AISPM-AWS-040"
    assert not [f for f in findings if f.rule_id == "AISPM-AWS-040" and f.status == "unknown"]
