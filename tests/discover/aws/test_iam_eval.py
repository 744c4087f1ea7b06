"""Effective IAM permissions from policy documents: matching, Deny, NotAction, boundaries, trust."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.discover.aws.iam_eval import Outcome, ai_permissions, annotate, effective_permissions, is_wide
from aispm.discover.aws.iam_policy import action_matches, parse_statements, resource_matches

ACCOUNT = "111122223333"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def role(*statements: dict[str, Any], trust: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "arn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "account_id": ACCOUNT,
        "resource_type": "iam:role",
        "attached_policies": [],
        "inline_policies": [{"PolicyName": "p", "document": doc(*statements)}],
        "AssumeRolePolicyDocument": trust,
        **extra,
    }


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("bedrock:Invoke*", "bedrock:InvokeModel", True),
        ("BEDROCK:invokemodel", "bedrock:InvokeModel", True),
        ("bedrock:Invoke?odel", "bedrock:InvokeModel", True),
        ("bedrock:Invoke?odel", "bedrock:InvokeAgent", False),
        ("*", "sagemaker:DeleteEndpoint", True),
        ("s3:Get*", "s3:PutObject", False),
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::train-*/*", "arn:aws:s3:::train-data/a/b.csv", True),
        ("arn:aws:s3:::Train-*/*", "arn:aws:s3:::train-data/a", False),  # case-sensitive
        ("arn:aws:bedrock:*:*:foundation-model/*", MODEL, True),
        ("arn:aws:bedrock:us-*:*", MODEL, True),  # a trailing * runs past colons
        ("arn:aws:bedrock:us-*1::foundation-model/x", MODEL, False),  # inner * stays in its segment
        ("arn:aws:iam::*:role/${aws:username}", f"arn:aws:iam::{ACCOUNT}:role/bob", True),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    assert resource_matches(pattern, resource) is expected


def test_allow_deny_and_implicit_deny() -> None:
    perms = effective_permissions(
        role(allow("bedrock:*"), deny("bedrock:DeleteGuardrail"), allow("s3:GetObject", "arn:aws:s3:::t/*"))
    )
    assert perms.allows("bedrock:InvokeModel", MODEL).result is Outcome.ALLOWED
    decision = perms.allows("bedrock:DeleteGuardrail", "arn:aws:bedrock:us-east-1:1:guardrail/g")
    assert decision.result is Outcome.DENIED and decision.via == ["inline:p"]
    assert perms.allows("sagemaker:DeleteEndpoint").result is Outcome.IMPLICIT_DENY
    assert perms.allows("s3:GetObject", "arn:aws:s3:::t/x").result is Outcome.ALLOWED
    assert perms.allows("s3:GetObject", "arn:aws:s3:::other/x").result is Outcome.IMPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    perms = effective_permissions(
        role(
            {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "sagemaker:*", "NotResource": "arn:aws:sagemaker:*:*:endpoint/ok"},
        )
    )
    assert perms.allows("bedrock:InvokeModel", MODEL).result is Outcome.ALLOWED
    assert perms.allows("iam:PassRole").result is Outcome.IMPLICIT_DENY
    assert perms.allows("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/ok").granted
    assert perms.allows("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/x").result is (
        Outcome.DENIED
    )


def test_conditions_are_noted_not_dropped() -> None:
    cond = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    perms = effective_permissions(role(allow("bedrock:InvokeModel", Condition=cond)))
    decision = perms.allows("bedrock:InvokeModel", MODEL)
    assert decision.result is Outcome.CONDITIONAL and decision.granted
    # a conditional Deny cannot be relied on: the Allow stays, but only conditionally
    perms = effective_permissions(role(allow("bedrock:*"), deny("bedrock:InvokeModel", Condition=cond)))
    assert perms.allows("bedrock:InvokeModel", MODEL).result is Outcome.CONDITIONAL


def test_permissions_boundary_intersects() -> None:
    boundary = {
        "PermissionsBoundaryArn": "arn:aws:iam::1:policy/b",
        "document": doc(allow("bedrock:Invoke*")),
    }
    perms = effective_permissions(role(allow("bedrock:*"), PermissionsBoundary=boundary))
    assert perms.allows("bedrock:InvokeModel", MODEL).result is Outcome.ALLOWED
    assert perms.allows("bedrock:DeleteGuardrail").result is Outcome.IMPLICIT_DENY
    unknown = effective_permissions(
        role(allow("bedrock:*"), PermissionsBoundary={"PermissionsBoundaryArn": "x"})
    )
    assert unknown.allows("bedrock:InvokeModel", MODEL).result is Outcome.CONDITIONAL


def test_documents_as_json_and_url_encoded_strings() -> None:
    text = json.dumps(doc(allow("sagemaker:InvokeEndpoint")))
    assert parse_statements(text)[0].actions == ("sagemaker:InvokeEndpoint",)
    assert parse_statements(quote(text))[0].allow
    assert parse_statements("not json") == [] and parse_statements(None) == []


def test_ai_summary_categories() -> None:
    props = role(
        allow("sagemaker:*"),
        allow("bedrock:InvokeModel", MODEL),
        allow("s3:GetObject", "arn:aws:s3:::train-data/*"),
        allow(
            "iam:PassRole",
            "*",
            Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    )
    summary = ai_permissions(props, buckets=["train-data", "unrelated"])
    assert {w["service"] for w in summary["service_wildcards"]} == {"sagemaker"}
    assert any(e["action"] == "sagemaker:DeleteEndpoint" and e["wide"] for e in summary["modify"])
    invoke = [e for e in summary["invoke"] if e["action"] == "bedrock:InvokeModel"]
    assert invoke == [
        {
            "action": "bedrock:InvokeModel",
            "resource": MODEL,
            "wide": False,
            "decision": "allowed",
            "via": ["inline:p"],
        }
    ]
    assert [e["bucket"] for e in summary["read_data"]] == ["train-data"]
    assert summary["pass_role"][0]["services"] == ["sagemaker.amazonaws.com"]
    assert summary["pass_role"][0]["decision"] == "conditional"
    assert summary["admin"] is None and summary["boundary"] == "none"
    json.dumps(summary)  # JSON-compatible


def test_pass_role_to_other_service_is_not_ai() -> None:
    cond = {"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}}
    assert ai_permissions(role(allow("iam:PassRole", "*", Condition=cond)))["pass_role"] == []
    assert ai_permissions(role(allow("iam:PassRole")))["pass_role"][0]["services"] == ["*"]


def test_admin_and_wide() -> None:
    summary = ai_permissions(role(allow("*")))
    assert summary["admin"] == "allowed"
    assert is_wide("arn:aws:bedrock:*:*:*") and not is_wide(MODEL)


def test_trust_analysis() -> None:
    trust = doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole",
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": "444455556666"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"},
            "Action": "sts:AssumeRole",
        },
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
        },
    )
    grants = {g["principal"]: g for g in ai_permissions(role(trust=trust))["trust"]}
    assert grants["*"]["kind"] == "wildcard" and grants["*"]["issues"]
    assert grants["arn:aws:iam::999988887777:root"]["kind"] == "foreign_account"
    assert grants["arn:aws:iam::999988887777:root"]["issues"]
    assert grants["444455556666"]["external_id"] and not grants["444455556666"]["issues"]
    assert grants[f"arn:aws:iam::{ACCOUNT}:role/ci"]["kind"] == "same_account"
    assert grants["sagemaker.amazonaws.com"]["kind"] == "service"
    fed = next(g for g in grants.values() if g["kind"] == "federated")
    assert fed["issues"]


def _asset(kind: AssetKind, rtype: str, name: str, **props: Any) -> Asset:
    arn = props.pop("arn", f"arn:aws:{rtype.split(':')[0]}:us-east-1:{ACCOUNT}:{name}")
    return Asset(
        urn("aws", rtype, arn),
        kind,
        name,
        "aws",
        properties={
            "arn": arn,
            "account_id": ACCOUNT,
            "region": "us-east-1",
            "resource_type": rtype,
            **props,
        },
        source="aws",
    )


def test_annotate_adds_permissions_and_can_assume_edges() -> None:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["*", f"arn:aws:iam::{ACCOUNT}:role/ci"]},
            "Action": "sts:AssumeRole",
        }
    )
    props = role(allow("s3:GetObject", "arn:aws:s3:::train-data/*"), trust=trust)
    r = _asset(AssetKind.IDENTITY, "iam:role", "r", **props)
    ci = _asset(
        AssetKind.IDENTITY, "iam:role", "ci", arn=f"arn:aws:iam::{ACCOUNT}:role/ci", inline_policies=[]
    )
    bucket = _asset(AssetKind.DATA_STORE, "s3:bucket", "train-data", arn="arn:aws:s3:::train-data")
    job = _asset(AssetKind.PIPELINE, "sagemaker:training-job", "job")
    inv = Inventory.of([r, ci, bucket, job])
    inv.relate(job.id, RelationKind.READS, bucket.id)
    annotate(inv)
    annotate(inv)  # idempotent
    annotated = inv.get(r.id)
    assert annotated is not None
    assert [e["bucket"] for e in annotated.properties["ai_permissions"]["read_data"]] == ["train-data"]
    sources = {rel.source for rel in inv.incoming(r.id, RelationKind.CAN_ASSUME)}
    star = urn("aws", "principal", "*")
    assert sources == {star, ci.id}
    placeholder = inv.get(star)
    assert (
        placeholder is not None
        and placeholder.kind is AssetKind.IDENTITY
        and placeholder.properties["wildcard"]
    )
