"""AWS rules: a positive, a negative and (where coverage matters) an unknown inventory per rule.

Inventories are built by hand following the AWS asset contract (boto3 Describe*/Get* fields plus
``arn``, ``account_id``, ``region``, ``resource_type``).  ``AWS_CASES`` joins the shared case table
of test_builtin_rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, RelationKind, Severity
from aispm.discover.aws.iam_eval import annotate
from aispm.posture import Policy, builtin_rules, evaluate

ACCT = "111122223333"
REGION = "us-east-1"
DEFAULT = Policy()
_KINDS = {
    "aws:account": AssetKind.IDENTITY,
    "sagemaker:notebook-instance": AssetKind.NOTEBOOK,
    "sagemaker:notebook-lifecycle-config": AssetKind.PIPELINE,
    "sagemaker:model": AssetKind.MODEL,
    "sagemaker:training-job": AssetKind.PIPELINE,
    "sagemaker:processing-job": AssetKind.PIPELINE,
    "sagemaker:endpoint": AssetKind.MODEL_ENDPOINT,
    "sagemaker:endpoint-config": AssetKind.MODEL_ENDPOINT,
    "sagemaker:domain": AssetKind.WORKLOAD,
    "sagemaker:model-package": AssetKind.MODEL,
    "sagemaker:data-quality-job-definition": AssetKind.PIPELINE,
    "sagemaker:flow-definition": AssetKind.PIPELINE,
    "bedrock:guardrail": AssetKind.GUARDRAIL,
    "bedrock:invocation-logging": AssetKind.DATA_STORE,
    "bedrock:agent": AssetKind.AGENT,
    "bedrock:custom-model": AssetKind.MODEL,
    "bedrock:data-source": AssetKind.DATASET,
    "bedrock:prompt": AssetKind.PROMPT_TEMPLATE,
    "s3:bucket": AssetKind.DATA_STORE,
    "iam:role": AssetKind.IDENTITY,
    "iam:user": AssetKind.IDENTITY,
    "lambda:function": AssetKind.WORKLOAD,
    "lambda:function-url": AssetKind.MODEL_ENDPOINT,
}


def res(rtype: str, name: str, **props: Any) -> Asset:
    service = rtype.split(":")[0]
    default_arn = f"arn:aws:{service}:{REGION}:{ACCT}:{rtype.split(':')[1]}/{name}"
    arn = props.pop("arn", default_arn)
    base = {"arn": arn, "account_id": ACCT, "region": REGION, "resource_type": rtype}
    return Asset(
        urn("aws", rtype, arn), _KINDS[rtype], name, "aws", properties={**base, **props}, source="aws"
    )


def account(**services: str) -> Asset:
    cov = {"sagemaker": "ok", "bedrock": "ok", "bedrock-agent": "ok", "lambda": "ok", "apigateway": "ok"}
    cov.update({k.replace("_", "-"): v for k, v in services.items()})
    glob = {"iam": cov.pop("iam", "ok"), "s3": cov.pop("s3", "ok")}
    return Asset(
        urn("aws", "account", ACCT),
        AssetKind.IDENTITY,
        ACCT,
        "aws",
        properties={
            "account_id": ACCT,
            "resource_type": "aws:account",
            "coverage": {REGION: cov, "global": glob},
            "vpc_endpoints": {
                REGION: [
                    f"com.amazonaws.{REGION}.{s}"
                    for s in ("bedrock", "bedrock-runtime", "bedrock-agent-runtime")
                ]
            },
        },
        source="aws",
    )


def inv(
    *assets: Asset, rels: tuple[tuple[Asset, RelationKind, Asset], ...] = (), **coverage: str
) -> Inventory:
    out = Inventory.of([account(**coverage), *assets])
    for a, kind, b in rels:
        out.relate(a.id, kind, b.id)
    annotate(out)
    return out


def notebook(**props: Any) -> Asset:
    base = {
        "RoleArn": f"arn:aws:iam::{ACCT}:role/nb",
        "DirectInternetAccess": "Disabled",
        "RootAccess": "Disabled",
        "SubnetId": "subnet-1",
        "KmsKeyId": "key",
    }
    return res("sagemaker:notebook-instance", "nb", **{**base, **props})


def model(**props: Any) -> Asset:
    base = {
        "ExecutionRoleArn": "r",
        "EnableNetworkIsolation": True,
        "VpcConfig": {"Subnets": ["s"], "SecurityGroupIds": ["g"]},
        "PrimaryContainer": {"Image": "img", "Environment": {"MODEL_ID": "x"}},
    }
    return res("sagemaker:model", "m", **{**base, **props})


def job(**props: Any) -> Asset:
    base = {
        "RoleArn": "r",
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": {"Subnets": ["s"], "SecurityGroupIds": ["g"]},
        "ResourceConfig": {"VolumeKmsKeyId": "k"},
        "OutputDataConfig": {"KmsKeyId": "k", "S3OutputPath": "s3://b/out"},
        "Environment": {},
    }
    return res("sagemaker:training-job", "j", **{**base, **props})


def dq_job(**props: Any) -> Asset:
    base = {
        "RoleArn": "r",
        "DataQualityAppSpecification": {"ImageUri": "img"},
        "DataQualityJobOutputConfig": {
            "KmsKeyId": "k",
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": "s3://b/dq", "LocalPath": "/opt/ml/processing/out"}}
            ],
        },
        "JobResources": {"ClusterConfig": {"InstanceCount": 2, "VolumeSizeInGB": 20, "VolumeKmsKeyId": "k"}},
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": True},
    }
    return res("sagemaker:data-quality-job-definition", "dq", **{**base, **props})


def flow_definition(**props: Any) -> Asset:
    base = {"RoleArn": "r", "OutputConfig": {"S3OutputPath": "s3://b/reviews", "KmsKeyId": "k"}}
    return res("sagemaker:flow-definition", "fd", **{**base, **props})


def endpoint_config(**props: Any) -> Asset:
    base = {"ProductionVariants": [{"VariantName": "v", "InitialInstanceCount": 2}], "KmsKeyId": "k"}
    return res("sagemaker:endpoint-config", "ec", **{**base, **props})


GOOD_FILTERS = {
    "contentPolicy": {
        "filters": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]
    },
    "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    "contextualGroundingPolicy": {
        "filters": [
            {"type": "GROUNDING", "threshold": 0.7, "action": "BLOCK", "enabled": True},
            {"type": "RELEVANCE", "threshold": 0.7, "action": "BLOCK", "enabled": True},
        ]
    },
}


def guardrail(**props: Any) -> Asset:
    return res("bedrock:guardrail", "g", **{"blockedInputMessaging": "no", **GOOD_FILTERS, **props})


def logging_cfg(config: dict[str, Any] | None) -> Asset:
    props = {"loggingConfig": config} if config is not None else {}
    return res("bedrock:invocation-logging", f"invocation-logging-{REGION}", **props)


LOG_OK = {"s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": True}


def bucket(name: str, **props: Any) -> Asset:
    base: dict[str, Any] = {
        "policy": None,
        "acl_grants": [],
        "public_access_block": None,
        "encryption": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
    }
    return res("s3:bucket", name, arn=f"arn:aws:s3:::{name}", **{**base, **props})


def agent(name: str = "a", role: str = "arn:aws:iam::111122223333:role/agent", **props: Any) -> Asset:
    base = {
        "agentResourceRoleArn": role,
        "instruction": "help",
        "guardrailConfiguration": {"guardrailIdentifier": "g"},
    }
    return res("bedrock:agent", name, **{**base, **props})


def policy_doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def iam_role(
    name: str, *statements: dict[str, Any], trust: dict[str, Any] | None = None, **props: Any
) -> Asset:
    base = {
        "AssumeRolePolicyDocument": trust
        or policy_doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        "attached_policies": [],
        "inline_policies": [{"PolicyName": "p", "document": policy_doc(*statements)}] if statements else [],
    }
    return res("iam:role", name, arn=f"arn:aws:iam::{ACCT}:role/{name}", **{**base, **props})


def iam_user(name: str, *statements: dict[str, Any], **props: Any) -> Asset:
    base = {
        "attached_policies": [],
        "inline_policies": [{"PolicyName": "p", "document": policy_doc(*statements)}] if statements else [],
        "service_specific_credentials": [],
    }
    return res("iam:user", name, arn=f"arn:aws:iam::{ACCT}:user/{name}", **{**base, **props})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def secret_asset(provider: str = "openai") -> Asset:
    return Asset(
        urn("secret", "secret", provider, "abcd"),
        AssetKind.SECRET,
        f"{provider} key",
        provider,
        None,
        {
            "secret_type": f"{provider}_api_key",
            "provider": provider,
            "redacted": "sk-…abcd",
            "variable": "KEY",
        },
    )


def with_secret(holder: Asset, provider: str = "openai") -> Inventory:
    s = secret_asset(provider)
    return inv(holder, s, rels=((holder, RelationKind.CONTAINS, s),))


def artifact(uri: str, fmt: str, verdict: str = "clean") -> Asset:
    return Asset(
        urn("aws", "model_artifact", uri),
        AssetKind.MODEL_ARTIFACT,
        uri.rsplit("/", 1)[-1],
        "aws",
        Location(uri=uri),
        {"format": fmt, "scan": {"verdict": verdict, "issues": []}},
    )


def bedrock_region(*extra: Asset, **coverage: str) -> Inventory:
    return inv(res("bedrock:custom-model", "cm", jobArn="j", modelKmsKeyArn="k"), *extra, **coverage)


def sm_region(*extra: Asset) -> Inventory:
    return inv(model(), *extra)


def notebook_with_role(readable: bool) -> Inventory:
    stmt = allow("s3:GetObject", "arn:aws:s3:::train/*" if readable else "arn:aws:s3:::other/*")
    role = iam_role("nb", stmt)
    nb = notebook(DirectInternetAccess="Enabled", RootAccess="Enabled", SubnetId=None)
    data = bucket("train")
    tj = job()
    return inv(nb, role, data, tj, rels=((nb, RelationKind.RUNS_AS, role), (tj, RelationKind.READS, data)))


def public_policy(action: str) -> dict[str, Any]:
    return policy_doc(
        {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": "arn:aws:s3:::train/*"}
    )


def ai_bucket(**props: Any) -> Inventory:
    data = bucket("train", **props)
    tj = job()
    return inv(data, tj, rels=((tj, RelationKind.READS, data),))


def function_url(auth: str) -> Inventory:
    fn = res("lambda:function", "chat", Role="r", Environment={"Variables": {}})
    url = res("lambda:function-url", "chat-url", AuthType=auth, FunctionUrl="https://x.lambda-url.on.aws/")
    return inv(fn, url, rels=((url, RelationKind.EXPOSES, fn),))


def capture(kms: str | None, **bucket_props: Any) -> Inventory:
    cfg = endpoint_config(
        DataCaptureConfig={"EnableCapture": True, "DestinationS3Uri": "s3://cap/x", "KmsKeyId": kms}
    )
    return inv(cfg, bucket("cap", **bucket_props))


Case = tuple[str, Callable[[], Inventory], Callable[[], Inventory], Policy]
FULL = {
    "PolicyArn": "arn:aws:iam::aws:policy/AmazonBedrockFullAccess",
    "PolicyName": "AmazonBedrockFullAccess",
}
BEDROCK_KEY = {
    "ServiceName": "bedrock.amazonaws.com",
    "Status": "Active",
    "ServiceSpecificCredentialId": "ACCA1",
}
AWS_CASES: list[Case] = [
    (
        "AISPM-AWS-001",
        lambda: inv(notebook(DirectInternetAccess="Enabled")),
        lambda: inv(notebook()),
        DEFAULT,
    ),
    ("AISPM-AWS-002", lambda: inv(notebook(RootAccess="Enabled")), lambda: inv(notebook()), DEFAULT),
    ("AISPM-AWS-003", lambda: inv(notebook(SubnetId=None)), lambda: inv(notebook()), DEFAULT),
    ("AISPM-AWS-004", lambda: inv(notebook(KmsKeyId=None)), lambda: inv(notebook()), DEFAULT),
    (
        "AISPM-AWS-005",
        lambda: with_secret(
            res("sagemaker:notebook-lifecycle-config", "lc", OnStart=[{"Content": "x"}]), "generic"
        ),
        lambda: inv(res("sagemaker:notebook-lifecycle-config", "lc", OnStart=[{"Content": "x"}])),
        DEFAULT,
    ),
    ("AISPM-AWS-006", lambda: inv(model(EnableNetworkIsolation=False)), lambda: inv(model()), DEFAULT),
    ("AISPM-AWS-007", lambda: inv(model(VpcConfig=None)), lambda: inv(model()), DEFAULT),
    ("AISPM-AWS-008", lambda: inv(job(EnableNetworkIsolation=False)), lambda: inv(job()), DEFAULT),
    (
        "AISPM-AWS-009",
        lambda: inv(job(EnableInterContainerTrafficEncryption=False)),
        lambda: inv(job()),
        DEFAULT,
    ),
    ("AISPM-AWS-010", lambda: inv(job(ResourceConfig={})), lambda: inv(job()), DEFAULT),
    ("AISPM-AWS-011", lambda: inv(job(VpcConfig=None)), lambda: inv(job()), DEFAULT),
    ("AISPM-AWS-012", lambda: inv(endpoint_config(KmsKeyId=None)), lambda: inv(endpoint_config()), DEFAULT),
    (
        "AISPM-AWS-013",
        lambda: inv(endpoint_config(ProductionVariants=[{"VariantName": "v", "InitialInstanceCount": 1}])),
        lambda: inv(endpoint_config(ProductionVariants=[{"VariantName": "s", "ServerlessConfig": {}}])),
        DEFAULT,
    ),
    (
        "AISPM-AWS-014",
        lambda: inv(res("sagemaker:domain", "d", AuthMode="IAM")),
        lambda: inv(res("sagemaker:domain", "d", AuthMode="SSO")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-015",
        lambda: inv(res("sagemaker:endpoint", "e", EndpointConfigName="ec", monitoring_schedules=[])),
        lambda: inv(res("sagemaker:endpoint", "e", EndpointConfigName="ec", monitoring_schedules=[{"x": 1}])),
        DEFAULT,
    ),
    (
        "AISPM-AWS-016",
        lambda: sm_region(),
        lambda: sm_region(
            res(
                "sagemaker:processing-job",
                "clarify",
                AppSpecification={
                    "ImageUri": "1.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1"
                },
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-017",
        lambda: sm_region(res("sagemaker:model-package", "p", ModelApprovalStatus="PendingManualApproval")),
        lambda: sm_region(res("sagemaker:model-package", "p", ModelApprovalStatus="Approved")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-020",
        lambda: inv(logging_cfg({})),
        lambda: inv(logging_cfg(LOG_OK), bucket("logs")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-021",
        lambda: inv(logging_cfg({**LOG_OK, "textDataDeliveryEnabled": False}), bucket("logs")),
        lambda: inv(logging_cfg(LOG_OK), bucket("logs")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-022",
        lambda: inv(logging_cfg(LOG_OK), bucket("logs", encryption=None)),
        lambda: inv(logging_cfg(LOG_OK), bucket("logs")),
        DEFAULT,
    ),
    ("AISPM-AWS-023", lambda: bedrock_region(), lambda: bedrock_region(guardrail()), DEFAULT),
    (
        "AISPM-AWS-024",
        lambda: inv(
            guardrail(contentPolicy={"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "LOW"}]})
        ),
        lambda: inv(guardrail()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-025",
        lambda: inv(guardrail(sensitiveInformationPolicy=None)),
        lambda: inv(guardrail()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-026",
        lambda: inv(
            guardrail(sensitiveInformationPolicy={"piiEntities": [{"type": "EMAIL", "action": "NONE"}]})
        ),
        lambda: inv(guardrail()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-027",
        lambda: inv(guardrail(contextualGroundingPolicy=None)),
        lambda: inv(guardrail()),
        DEFAULT,
    ),
    ("AISPM-AWS-028", lambda: inv(agent(guardrailConfiguration=None)), lambda: inv(agent()), DEFAULT),
    (
        "AISPM-AWS-029",
        lambda: inv(agent("a"), agent("b")),
        lambda: inv(agent("a"), agent("b", role="other")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-030",
        lambda: inv(agent(), iam_role("agent", allow("bedrock:*"), attached_policies=[FULL])),
        lambda: inv(
            agent(),
            iam_role(
                "agent",
                allow("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/x"),
                PermissionsBoundary={"PermissionsBoundaryArn": "b"},
            ),
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-031",
        lambda: inv(iam_role("r", attached_policies=[FULL])),
        lambda: inv(iam_role("r", allow("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/x"))),
        DEFAULT,
    ),
    (
        "AISPM-AWS-032",
        lambda: inv(res("bedrock:custom-model", "cm", jobArn="j")),
        lambda: inv(res("bedrock:custom-model", "cm", jobArn="j", modelKmsKeyArn="k")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-033",
        lambda: inv(res("bedrock:data-source", "ds", dataSourceConfiguration={})),
        lambda: inv(
            res(
                "bedrock:data-source",
                "ds",
                dataSourceConfiguration={},
                serverSideEncryptionConfiguration={"kmsKeyArn": "k"},
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-034",
        lambda: inv(res("bedrock:prompt", "p", variants=[])),
        lambda: inv(res("bedrock:prompt", "p", variants=[], customerEncryptionKeyArn="k")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-035",
        lambda: inv(agent()),
        lambda: inv(agent(), res("bedrock:prompt", "p", variants=[])),
        DEFAULT,
    ),
    ("AISPM-AWS-036", lambda: _no_endpoints(), lambda: bedrock_region(), DEFAULT),
    (
        "AISPM-AWS-037",
        lambda: inv(iam_user("u", allow("bedrock:*"), service_specific_credentials=[BEDROCK_KEY])),
        lambda: inv(
            iam_user(
                "u",
                allow("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/x"),
                service_specific_credentials=[BEDROCK_KEY],
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-038",
        lambda: inv(iam_user("u", service_specific_credentials=[BEDROCK_KEY])),
        lambda: inv(
            iam_user(
                "u", service_specific_credentials=[{**BEDROCK_KEY, "ExpirationDate": "2020-01-01T00:00:00Z"}]
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-040",
        lambda: inv(iam_role("r", allow("sagemaker:*"))),
        lambda: inv(
            iam_role("r", allow("sagemaker:InvokeEndpoint", f"arn:aws:sagemaker:{REGION}:{ACCT}:endpoint/e"))
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-041",
        lambda: inv(
            iam_role(
                "r",
                allow("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/x"),
                trust=policy_doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                        "Action": "sts:AssumeRole",
                    }
                ),
            )
        ),
        lambda: inv(
            iam_role(
                "r",
                allow("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/x"),
                trust=policy_doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": "e"}},
                    }
                ),
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-042",
        lambda: inv(iam_user("u", allow("iam:PassRole"), allow("sagemaker:CreateNotebookInstance"))),
        lambda: inv(
            iam_user(
                "u",
                allow(
                    "iam:PassRole",
                    "*",
                    Condition={"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}},
                ),
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-043",
        lambda: ai_bucket(policy=public_policy("s3:PutObject")),
        lambda: ai_bucket(
            policy=public_policy("s3:PutObject"),
            public_access_block={"RestrictPublicBuckets": True, "IgnorePublicAcls": True},
        ),
        DEFAULT,
    ),
    ("AISPM-AWS-044", lambda: function_url("NONE"), lambda: function_url("AWS_IAM"), DEFAULT),
    ("AISPM-AWS-045", lambda: notebook_with_role(True), lambda: notebook_with_role(False), DEFAULT),
    (
        "AISPM-AWS-046",
        lambda: inv(
            res("lambda:function", "f", Role="r", Environment={"Variables": {"OPENAI_API_KEY": "sk-…abcd"}})
        ),
        lambda: inv(
            res(
                "lambda:function",
                "f",
                Role="r",
                Environment={"Variables": {"OPENAI_API_KEY": "arn:aws:secretsmanager:us-east-1:1:secret:k"}},
            )
        ),
        DEFAULT,
    ),
    ("AISPM-AWS-047", lambda: with_secret(agent(), "generic"), lambda: inv(agent()), DEFAULT),
    ("AISPM-AWS-048", lambda: capture(None, encryption=None), lambda: capture("k"), DEFAULT),
    (
        "AISPM-AWS-049",
        lambda: inv(artifact("s3://models/m.pt", "pytorch")),
        lambda: inv(artifact("s3://models/m.safetensors", "safetensors")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-050",
        lambda: inv(
            notebook(InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "1"})
        ),
        lambda: inv(
            notebook(InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"})
        ),
        DEFAULT,
    ),
    (
        "AISPM-AWS-051",
        lambda: inv(res("sagemaker:domain", "d", AuthMode="IAM")),
        lambda: inv(res("sagemaker:domain", "d", AuthMode="IAM", KmsKeyId="arn:aws:kms:us-east-1:1:key/k")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-052",
        lambda: inv(agent()),
        lambda: inv(agent(customerEncryptionKeyArn="arn:aws:kms:us-east-1:1:key/k")),
        DEFAULT,
    ),
    (
        "AISPM-AWS-053",
        lambda: inv(dq_job(DataQualityJobOutputConfig={"MonitoringOutputs": []})),
        lambda: inv(dq_job()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-054",
        lambda: inv(dq_job(JobResources={"ClusterConfig": {"InstanceCount": 2, "VolumeSizeInGB": 20}})),
        lambda: inv(dq_job()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-055",
        lambda: inv(dq_job(NetworkConfig={"EnableNetworkIsolation": True})),
        lambda: inv(dq_job()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-056",
        lambda: inv(flow_definition(OutputConfig={"S3OutputPath": "s3://b/reviews"})),
        lambda: inv(flow_definition()),
        DEFAULT,
    ),
    (
        "AISPM-AWS-057",
        lambda: inv(res("sagemaker:domain", "d", AuthMode="SSO", AppNetworkAccessType="PublicInternetOnly")),
        lambda: inv(
            res("sagemaker:domain", "d", AuthMode="SSO", AppNetworkAccessType="VpcOnly", VpcId="vpc-1")
        ),
        DEFAULT,
    ),
]


def _no_endpoints() -> Inventory:
    out = bedrock_region()
    acct = out.get(urn("aws", "account", ACCT))
    assert acct is not None
    props = {**acct.properties, "vpc_endpoints": {REGION: [f"com.amazonaws.{REGION}.bedrock"]}}
    return Inventory.of(
        [
            Asset(acct.id, acct.kind, acct.name, "aws", properties=props, source="aws"),
            *[a for a in out.assets if a.id != acct.id],
        ]
    )


def findings(inventory: Inventory, rule_id: str) -> list[Finding]:
    found, _ = evaluate(inventory, DEFAULT)
    assert not inventory.warnings, inventory.warnings
    return [f for f in found if f.rule_id == rule_id]


def test_every_aws_rule_has_a_case() -> None:
    assert {c[0] for c in AWS_CASES} == {m.id for m in builtin_rules() if m.id.startswith("AISPM-AWS-")}


@pytest.mark.parametrize(
    ("rule_id", "positive", "negative", "policy"), AWS_CASES, ids=[c[0] for c in AWS_CASES]
)
def test_aws_rule_positive_and_negative(
    rule_id: str, positive: Callable[[], Inventory], negative: Callable[[], Inventory], policy: Policy
) -> None:
    hits = findings(positive(), rule_id)
    assert hits and all(f.status == "fail" and f.location is not None for f in hits), hits
    assert findings(negative(), rule_id) == []


# ---- unknown: coverage gaps and unread details ------------------------------------------------------


def _unscanned_artifact() -> Asset:
    base = artifact("s3://models/big.bin", "")
    props = {"format": None, "scan": {"verdict": "clean", "issues": [], "error": "larger than the limit"}}
    return Asset(base.id, base.kind, base.name, "aws", base.location, props)


GAP_CASES = [
    ("AISPM-AWS-001", {"sagemaker": "denied"}),
    ("AISPM-AWS-006", {"sagemaker": "error"}),
    ("AISPM-AWS-010", {"sagemaker": "not_implemented"}),
    ("AISPM-AWS-016", {"sagemaker": "denied"}),
    ("AISPM-AWS-020", {"bedrock": "denied"}),
    ("AISPM-AWS-023", {"bedrock": "denied"}),
    ("AISPM-AWS-024", {"bedrock": "denied"}),
    ("AISPM-AWS-028", {"bedrock_agent": "denied"}),
    ("AISPM-AWS-031", {"iam": "denied"}),
    ("AISPM-AWS-040", {"iam": "denied"}),
    ("AISPM-AWS-041", {"iam": "denied"}),
    ("AISPM-AWS-042", {"iam": "denied"}),
    ("AISPM-AWS-043", {"s3": "denied"}),
    ("AISPM-AWS-044", {"lambda": "denied"}),
    ("AISPM-AWS-045", {"sagemaker": "denied"}),
    ("AISPM-AWS-049", {"model_scan": "denied"}),
    ("AISPM-AWS-050", {"sagemaker": "denied"}),
    ("AISPM-AWS-051", {"sagemaker": "denied"}),
    ("AISPM-AWS-052", {"bedrock_agent": "denied"}),
    ("AISPM-AWS-053", {"sagemaker": "denied"}),
    ("AISPM-AWS-054", {"sagemaker": "error"}),
    ("AISPM-AWS-055", {"sagemaker": "denied"}),
    ("AISPM-AWS-056", {"sagemaker": "denied"}),
    ("AISPM-AWS-057", {"sagemaker": "denied"}),
]


@pytest.mark.parametrize(("rule_id", "coverage"), GAP_CASES, ids=[c[0] for c in GAP_CASES])
def test_coverage_gap_is_unknown_not_pass(rule_id: str, coverage: dict[str, str]) -> None:
    hits = findings(inv(**coverage), rule_id)
    assert hits and all(f.status == "unknown" for f in hits)
    assert "could not be assessed" in hits[0].message


def test_unsupported_region_is_not_a_gap() -> None:
    assert findings(inv(bedrock="unsupported_region"), "AISPM-AWS-020") == []


UNREAD_CASES: list[tuple[str, Callable[[], Inventory]]] = [
    ("AISPM-AWS-001", lambda: inv(res("sagemaker:notebook-instance", "nb"))),
    ("AISPM-AWS-015", lambda: inv(res("sagemaker:endpoint", "e", EndpointConfigName="ec"))),
    ("AISPM-AWS-021", lambda: inv(logging_cfg({"s3Config": {"bucketName": "logs"}}), bucket("logs"))),
    ("AISPM-AWS-022", lambda: inv(logging_cfg(LOG_OK))),
    ("AISPM-AWS-024", lambda: inv(res("bedrock:guardrail", "g", guardrailId="g"))),
    ("AISPM-AWS-030", lambda: inv(agent())),
    ("AISPM-AWS-036", lambda: _without_vpc_endpoints()),
    ("AISPM-AWS-037", lambda: inv(res("iam:user", "u", arn=f"arn:aws:iam::{ACCT}:user/u"))),
    ("AISPM-AWS-043", lambda: _bucket_unread()),
    ("AISPM-AWS-044", lambda: inv(res("lambda:function-url", "u"))),
    ("AISPM-AWS-048", lambda: inv(endpoint_config(DataCaptureConfig={"DestinationS3Uri": "s3://gone/x"}))),
    ("AISPM-AWS-050", lambda: inv(notebook())),
    ("AISPM-AWS-049", lambda: inv(_unscanned_artifact())),
    # listed but not described: only the ListDataQualityJobDefinitions / ListFlowDefinitions summary
    ("AISPM-AWS-053", lambda: inv(res("sagemaker:data-quality-job-definition", "dq", EndpointName="e"))),
    ("AISPM-AWS-054", lambda: inv(res("sagemaker:data-quality-job-definition", "dq", EndpointName="e"))),
    ("AISPM-AWS-055", lambda: inv(res("sagemaker:data-quality-job-definition", "dq", EndpointName="e"))),
    ("AISPM-AWS-056", lambda: inv(res("sagemaker:flow-definition", "fd", FlowDefinitionStatus="Active"))),
    ("AISPM-AWS-057", lambda: inv(res("sagemaker:domain", "d", DomainId="d-1"))),  # ListDomains summary only
]


def _without_vpc_endpoints() -> Inventory:
    out = bedrock_region()
    acct = out.get(urn("aws", "account", ACCT))
    assert acct is not None
    props = {k: v for k, v in acct.properties.items() if k != "vpc_endpoints"}
    rest = [a for a in out.assets if a.id != acct.id]
    return Inventory.of([Asset(acct.id, acct.kind, acct.name, "aws", properties=props, source="aws"), *rest])


def _bucket_unread() -> Inventory:
    data = res("s3:bucket", "train", arn="arn:aws:s3:::train")
    tj = job()
    return inv(data, tj, rels=((tj, RelationKind.READS, data),))


@pytest.mark.parametrize(("rule_id", "make"), UNREAD_CASES, ids=[c[0] for c in UNREAD_CASES])
def test_unread_detail_is_unknown(rule_id: str, make: Callable[[], Inventory]) -> None:
    hits = findings(make(), rule_id)
    assert hits and all(f.status == "unknown" for f in hits), hits


def test_identity_without_evaluated_permissions_is_unknown() -> None:
    role = iam_role("r", allow("sagemaker:*"))
    out = Inventory.of([account(), role])  # annotate() not run
    assert [f.status for f in findings(out, "AISPM-AWS-040")] == ["unknown"]


def test_malicious_artifact_is_critical() -> None:
    hits = findings(
        inv(artifact("s3://models/m.safetensors", "safetensors", verdict="malicious")), "AISPM-AWS-049"
    )
    assert [f.severity for f in hits] == [Severity.CRITICAL]


def test_guardrail_attached_by_edge_counts() -> None:
    a = agent(guardrailConfiguration=None)
    g = guardrail()
    assert findings(inv(a, g, rels=((g, RelationKind.ATTACHED_TO, a),)), "AISPM-AWS-028") == []


def test_conditional_grants_are_reported_as_such() -> None:
    cond = {"StringEquals": {"aws:RequestedRegion": REGION}}
    hits = findings(inv(iam_role("r", allow("bedrock:*", Condition=cond))), "AISPM-AWS-040")
    assert hits and "under conditions" in hits[0].message


# ---- the same rules on IaC assets (data/iac_resources.yaml emits the Describe*-shaped fields) ---------

IAC_FIXTURES = Path(__file__).resolve().parents[1] / "discover" / "iac" / "fixtures"
DOMAIN_TF = """
resource "aws_sagemaker_domain" "plain" {
  domain_name = "plain"
  auth_mode   = "IAM"
  vpc_id      = "vpc-1"
  subnet_ids  = ["subnet-1"]
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "aws_sagemaker_domain" "sealed" {
  domain_name = "sealed"
  auth_mode   = "IAM"
  vpc_id      = "vpc-1"
  subnet_ids  = ["subnet-1"]
  kms_key_id  = "arn:aws:kms:us-east-1:111122223333:key/k"
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "aws_bedrockagent_agent" "sealed" {
  agent_name                  = "sealed"
  agent_resource_role_arn     = "arn:aws:iam::111122223333:role/agent"
  foundation_model            = "anthropic.claude-3-haiku-20240307-v1:0"
  customer_encryption_key_arn = "arn:aws:kms:us-east-1:111122223333:key/k"
}
"""


def _iac_findings(root: Path, rule_id: str) -> list[Finding]:
    """The findings of ``rule_id`` on the Terraform and CloudFormation files under ``root``."""
    from aispm.discover.code.collector import RepositoryCollector
    from aispm.discover.iac import iac_analyzers

    found, _ = evaluate(RepositoryCollector(root, iac_analyzers()).collect(), DEFAULT)
    return [f for f in found if f.rule_id == rule_id]


def _plain_id(asset_id: str) -> str:
    return asset_id.replace("%3A", ":").replace("%2F", "/")


def _iac_failed(root: Path, rule_id: str) -> set[str]:
    return {_plain_id(f.asset_id) for f in _iac_findings(root, rule_id) if f.status == "fail"}


def test_notebook_imds_rule_on_iac() -> None:
    flagged = _iac_failed(IAC_FIXTURES / "aws_tf", "AISPM-AWS-050")
    assert any(a.endswith("aws_sagemaker_notebook_instance.bad") for a in flagged), flagged
    assert not any(a.endswith("aws_sagemaker_notebook_instance.good") for a in flagged), flagged


def test_domain_and_agent_cmk_rules_on_iac(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(DOMAIN_TF)
    domains = _iac_failed(tmp_path, "AISPM-AWS-051")
    assert any(a.endswith("aws_sagemaker_domain.plain") for a in domains), domains
    assert not any(a.endswith("aws_sagemaker_domain.sealed") for a in domains), domains
    assert not any(
        a.endswith("aws_bedrockagent_agent.sealed") for a in _iac_failed(tmp_path, "AISPM-AWS-052")
    )
    agents = _iac_failed(IAC_FIXTURES / "aws_tf", "AISPM-AWS-052")
    assert any(a.endswith("aws_bedrockagent_agent.agent") for a in agents), agents


MONITORING_RULES = ["AISPM-AWS-053", "AISPM-AWS-054", "AISPM-AWS-055", "AISPM-AWS-056"]


@pytest.mark.parametrize("rule_id", MONITORING_RULES)
def test_monitoring_and_review_encryption_rules_on_iac(rule_id: str) -> None:
    """Checkov CKV_AWS_367/368/369/372: fires on the Terraform resource that omits the setting, with
    its file and line, and not on the one that sets it."""
    failed = [f for f in _iac_findings(IAC_FIXTURES / "aws_tf_monitoring", rule_id) if f.status == "fail"]
    kind = "flow_definition" if rule_id == "AISPM-AWS-056" else "data_quality_job_definition"
    line = 56 if rule_id == "AISPM-AWS-056" else 3
    assert [_plain_id(f.asset_id).rsplit("/", 1)[-1] for f in failed] == [f"aws_sagemaker_{kind}.plain"]
    assert failed[0].location is not None
    assert (failed[0].location.path, failed[0].location.line) == ("main.tf", line)


def test_domain_without_network_access_type_is_public() -> None:
    """AppNetworkAccessType left out of a DescribeDomain answer is the API's default,
    PublicInternetOnly."""
    hits = findings(inv(res("sagemaker:domain", "d", AuthMode="SSO")), "AISPM-AWS-057")
    assert [(f.status, f.evidence) for f in hits] == [("fail", {"AppNetworkAccessType": None, "VpcId": None})]


STUDIO_TF = """\
variable "access" {}

variable "private" {
  default = "VpcOnly"
}

resource "aws_sagemaker_domain" "implicit" {
  domain_name = "implicit"
  auth_mode   = "SSO"
  vpc_id      = "vpc-1"
  subnet_ids  = ["subnet-1"]
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "aws_sagemaker_domain" "public" {
  domain_name             = "public"
  auth_mode               = "SSO"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = "PublicInternetOnly"
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "aws_sagemaker_domain" "private" {
  domain_name             = "private"
  auth_mode               = "SSO"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = var.private
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "aws_sagemaker_domain" "chosen" {
  domain_name             = "chosen"
  auth_mode               = "SSO"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = var.access
  default_user_settings { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "awscc_sagemaker_domain" "cc_implicit" {
  domain_name           = "cc-implicit"
  auth_mode             = "SSO"
  vpc_id                = "vpc-1"
  subnet_ids            = ["subnet-1"]
  default_user_settings = { execution_role = "arn:aws:iam::111122223333:role/sm" }
}

resource "awscc_sagemaker_domain" "cc_private" {
  domain_name             = "cc-private"
  auth_mode               = "SSO"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = "VpcOnly"
  default_user_settings   = { execution_role = "arn:aws:iam::111122223333:role/sm" }
}
"""

STUDIO_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Access: {Type: String, Default: VpcOnly}
Resources:
  Implicit:
    Type: AWS::SageMaker::Domain
    Properties:
      DomainName: implicit
      AuthMode: SSO
      VpcId: vpc-1
      SubnetIds: [subnet-1]
      DefaultUserSettings: {ExecutionRole: "arn:aws:iam::111122223333:role/sm"}
  Private:
    Type: AWS::SageMaker::Domain
    Properties:
      DomainName: private
      AuthMode: SSO
      AppNetworkAccessType: !Ref Access
      VpcId: vpc-1
      SubnetIds: [subnet-1]
      DefaultUserSettings: {ExecutionRole: "arn:aws:iam::111122223333:role/sm"}
"""


def test_studio_domain_internet_access_on_iac(tmp_path: Path) -> None:
    """AISPM-AWS-057 on Terraform (aws and awscc providers) and CloudFormation: an omitted
    AppNetworkAccessType is the provider default PublicInternetOnly; VpcOnly (literal, from a
    variable or a parameter default) passes; a variable without a value is unknown.  Findings
    point at the resource's declaration."""
    (tmp_path / "main.tf").write_text(STUDIO_TF)
    (tmp_path / "studio.yaml").write_text(STUDIO_CFN)
    got = {
        _plain_id(f.asset_id).rsplit("/", 1)[-1]: (
            f.status,
            f.location.path if f.location else None,
            f.location.line if f.location else None,
        )
        for f in _iac_findings(tmp_path, "AISPM-AWS-057")
    }
    assert got == {
        "aws_sagemaker_domain.implicit": ("fail", "main.tf", 7),
        "aws_sagemaker_domain.public": ("fail", "main.tf", 15),
        "aws_sagemaker_domain.chosen": ("unknown", "main.tf", 33),
        "awscc_sagemaker_domain.cc_implicit": ("fail", "main.tf", 42),
        "Implicit": ("fail", "studio.yaml", 5),
    }
