"""A realistic hand-built scan: a repository (code + Terraform), live AWS and a Kubernetes cluster.

The story: ``app.py`` leaks an AWS key and an OpenAI key; ``infra/main.tf`` deploys the Lambda
``infer``; in AWS that Lambda has a function URL with ``AuthType NONE`` and runs as ``infer-role``,
whose policy allows ``s3:*`` on every bucket and ``sagemaker:*``; ``train-role`` (trusted by the
account) runs the training job that reads ``training-data`` (PII) and writes ``model-artifacts``,
whose ``model.tar.gz`` is served by the SageMaker model ``churn``.  A code agent has a shell
tool and an HTTP tool and runs in a k8s Deployment whose service account maps to ``agent-role``.
"""

from __future__ import annotations

from typing import Any

from aispm.core.ids import urn
from aispm.core.model import (
    Asset,
    AssetKind,
    Finding,
    Inventory,
    Location,
    RelationKind,
    ScanResult,
    Severity,
)
from aispm.discover.aws.iam_annotate import annotate

ACCOUNT = "111122223333"
REPO = "https://github.com/acme/churn"


def aws_id(rtype: str, arn: str) -> str:
    return urn("aws", rtype, arn)


def aws(rtype: str, kind: AssetKind, arn: str, name: str, source: str = "aws", **props: Any) -> Asset:
    return Asset(
        aws_id(rtype, arn) if source == "aws" else urn("iac", rtype, name),
        kind,
        name,
        "aws",
        Location(uri=arn),
        {"arn": arn, "resource_type": rtype, "account_id": ACCOUNT, **props},
        source=source,
    )


def role(name: str, statements: list[dict[str, Any]], trust: list[dict[str, Any]]) -> Asset:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    return aws(
        "iam:role",
        AssetKind.IDENTITY,
        arn,
        name,
        RoleName=name,
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": trust},
        attached_policies=[],
        inline_policies=[{"PolicyName": "p", "document": {"Version": "2012-10-17", "Statement": statements}}],
    )


def allow(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def service_trust(service: str) -> list[dict[str, Any]]:
    return [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]


def bucket(name: str, **props: Any) -> Asset:
    return aws("s3:bucket", AssetKind.DATA_STORE, f"arn:aws:s3:::{name}", name, Name=name, **props)


def build(*, public_url: bool = True, broad_role: bool = True, leak: bool = True) -> ScanResult:
    """The scan; switches turn off single weaknesses for negative controls."""
    inv = Inventory()
    repo = urn("code", "repository", REPO)
    app = urn("code", "source_file", REPO, "app.py")
    tf = urn("code", "source_file", REPO, "infra/main.tf")
    inv.add(Asset(repo, AssetKind.REPOSITORY, "churn", "local", source="code"))
    inv.add(Asset(app, AssetKind.SOURCE_FILE, "app.py", "local", Location("app.py"), source="code"))
    inv.add(
        Asset(tf, AssetKind.SOURCE_FILE, "infra/main.tf", "local", Location("infra/main.tf"), source="code")
    )
    inv.relate(repo, RelationKind.CONTAINS, app)
    inv.relate(repo, RelationKind.CONTAINS, tf)
    openai_svc = urn("code", "ai_service", "openai")
    inv.add(
        Asset(
            openai_svc,
            AssetKind.AI_SERVICE,
            "OpenAI",
            "openai",
            properties={"vendor": "openai"},
            source="code",
        )
    )
    aws_key = urn("secret", "secret", "aws", "abc")
    oa_key = urn("secret", "secret", "openai", "def")
    if leak:
        for sid, prov in ((aws_key, "aws"), (oa_key, "openai")):
            inv.add(
                Asset(
                    sid, AssetKind.SECRET, f"{prov} key", prov, properties={"provider": prov}, source="code"
                )
            )
            inv.relate(app, RelationKind.CONTAINS, sid)
    account = aws("aws:account", AssetKind.IDENTITY, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT)
    inv.add(account)

    # IAM
    infer_stmts = [allow("s3:*"), allow("sagemaker:*")] if broad_role else [allow("logs:PutLogEvents")]
    inv.add(role("infer-role", infer_stmts, service_trust("lambda.amazonaws.com")))
    inv.add(
        role(
            "train-role",
            [allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::training-data/*")],
            [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        )
    )
    inv.add(
        role(
            "agent-role",
            [allow("s3:GetObject", "arn:aws:s3:::kb-docs/*")],
            service_trust("eks.amazonaws.com"),
        )
    )

    # S3, training, model
    inv.add(bucket("training-data", pii=True))
    inv.add(bucket("model-artifacts"))
    inv.add(bucket("kb-docs", ai_data=True))
    kb = aws(
        "bedrock:knowledge-base",
        AssetKind.DATASET,
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:knowledge-base/KB1",
        "support-kb",
    )
    inv.add(kb)
    inv.relate(kb.id, RelationKind.READS, aws_id("s3:bucket", "arn:aws:s3:::kb-docs"), via="data_source")
    job = aws(
        "sagemaker:training-job",
        AssetKind.PIPELINE,
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/churn-1",
        "churn-1",
    )
    inv.add(job)
    inv.relate(job.id, RelationKind.READS, aws_id("s3:bucket", "arn:aws:s3:::training-data"))
    inv.relate(job.id, RelationKind.WRITES, aws_id("s3:bucket", "arn:aws:s3:::model-artifacts"))
    inv.relate(job.id, RelationKind.RUNS_AS, aws_id("iam:role", f"arn:aws:iam::{ACCOUNT}:role/train-role"))
    artifact = Asset(
        urn("aws", "model_artifact", "s3://model-artifacts/churn/model.tar.gz"),
        AssetKind.MODEL_ARTIFACT,
        "model.tar.gz",
        "aws",
        properties={"s3": {"bucket": "model-artifacts", "key": "churn/model.tar.gz"}},
        source="aws",
    )
    inv.add(artifact)
    model = aws(
        "sagemaker:model",
        AssetKind.MODEL,
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/churn",
        "churn",
        PrimaryContainer={"ModelDataUrl": "s3://model-artifacts/churn/model.tar.gz"},
    )
    inv.add(model)

    # Lambda (live) + the same Lambda in Terraform
    fn_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:infer"
    fn = aws("lambda:function", AssetKind.WORKLOAD, fn_arn, "infer", FunctionName="infer")
    inv.add(fn)
    inv.relate(fn.id, RelationKind.RUNS_AS, aws_id("iam:role", f"arn:aws:iam::{ACCOUNT}:role/infer-role"))
    iac_fn = aws("lambda:function", AssetKind.WORKLOAD, fn_arn, "infer", source="iac", FunctionName="infer")
    inv.add(iac_fn)
    inv.relate(tf, RelationKind.DEPLOYS, iac_fn.id)
    url = aws(
        "lambda:function-url",
        AssetKind.MODEL_ENDPOINT,
        fn_arn + "/function-url",
        "infer url",
        AuthType="NONE" if public_url else "AWS_IAM",
    )
    inv.add(url)
    inv.relate(url.id, RelationKind.EXPOSES, fn.id)

    # Kubernetes: an agent in a Deployment whose service account is bound to agent-role (IRSA)
    dep = Asset(
        urn("k8s", "workload", "prod", "agents", "support-bot"),
        AssetKind.WORKLOAD,
        "support-bot",
        "k8s",
        source="k8s",
    )
    inv.add(dep)
    inv.relate(dep.id, RelationKind.RUNS_AS, aws_id("iam:role", f"arn:aws:iam::{ACCOUNT}:role/agent-role"))
    agent = urn("code", "agent", REPO, "bot.py", "support")
    inv.add(
        Asset(
            agent, AssetKind.AGENT, "support", "local", properties={"framework": "langchain"}, source="code"
        )
    )
    inv.relate(dep.id, RelationKind.RUNS, agent)
    inv.relate(agent, RelationKind.RUNS_AS, aws_id("iam:role", f"arn:aws:iam::{ACCOUNT}:role/agent-role"))
    for fn_name, caps in (("run_shell", ["shell"]), ("fetch_url", ["network"])):
        tool = urn("code", "tool", REPO, "bot.py", fn_name)
        inv.add(
            Asset(tool, AssetKind.TOOL, fn_name, "local", properties={"capabilities": caps}, source="code")
        )
        inv.relate(agent, RelationKind.HAS_TOOL, tool)
    annotate(inv)
    findings = [
        Finding("AISPM-SEC-001", aws_key, Severity.MEDIUM, "AWS key in code"),
        Finding(
            "AISPM-AWS-040",
            aws_id("iam:role", f"arn:aws:iam::{ACCOUNT}:role/infer-role"),
            Severity.MEDIUM,
            "broad",
        ),
    ]
    if public_url:
        findings.append(Finding("AISPM-AWS-044", url.id, Severity.MEDIUM, "public inference"))
    return ScanResult(
        "fixture", "2026-11-25T00:00:00+00:00", "2026-11-25T00:00:01+00:00", inv, tuple(findings), {}
    )
