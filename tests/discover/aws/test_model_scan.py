"""Model files at the S3 locations AI resources name are scanned by the model scanner during the
AWS scan: a malicious pickle at a SageMaker model's ``ModelDataUrl`` (built opcode by opcode by
tests/artifacts/artifact_samples.py, never loaded) becomes a ``model_artifact`` asset that
AISPM-AWS-049 and AISPM-SUP-020 report; a clean file does not; a location that cannot be listed
is a coverage gap and the rule says unknown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
from aws_stub import Stub

from aispm.core.model import AssetKind, Finding, Inventory, RelationKind
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.discover.aws.scope import asset_id, bucket_arn
from aispm.posture import Policy, evaluate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "artifacts"))
import artifact_samples as samples

ACCT = "123456789012"
REGION = "us-east-1"
BUCKET = "acme-model-store"
ROLE = f"arn:aws:iam::{ACCT}:role/sm"


def _seed(key: str, body: bytes, model: str = "fraud-model") -> str:
    s3 = boto3.client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    s3.put_object(Bucket=BUCKET, Key=key.rsplit("/", 1)[0] + "/notes.txt", Body=b"not a model")
    url = f"s3://{BUCKET}/{key}"
    boto3.client("sagemaker").create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/serve:1", "ModelDataUrl": url},
    )
    return url


def _scan(**options: Any) -> Inventory:
    return AwsCollector(AwsOptions(regions=(REGION,), **options), services=("sagemaker", "s3")).collect()


def _findings(inv: Inventory, rule_id: str) -> list[Finding]:
    found, _ = evaluate(inv, Policy())
    return [f for f in found if f.rule_id == rule_id]


def _malicious() -> bytes:
    body, _callable = samples.malicious_pickles("/tmp/aispm-never-created")["global_os_system"]
    return body


def test_malicious_pickle_at_model_data_url_is_reported(aws: Stub) -> None:
    url = _seed("fraud/model.pkl", _malicious())
    inv = _scan()
    artifacts = list(inv.of_kind(AssetKind.MODEL_ARTIFACT))
    assert [a.location.uri for a in artifacts if a.location] == [url]  # notes.txt is not model-like
    artifact = artifacts[0]
    assert artifact.properties["scan"]["verdict"] == "malicious"
    assert (
        artifact.properties["provenance"] is not None
        and artifact.properties["s3"]["key"] == "fraud/model.pkl"
    )
    model_id = asset_id("sagemaker:model", f"arn:aws:sagemaker:{REGION}:{ACCT}:model/fraud-model")
    bucket_id = asset_id("s3:bucket", bucket_arn("aws", BUCKET))
    edges = {r.key for r in inv.relationships}
    assert (bucket_id, RelationKind.STORES.value, artifact.id) in edges
    assert (model_id, RelationKind.READS.value, artifact.id) in edges
    (found,) = _findings(inv, "AISPM-AWS-049")
    assert found.status == "fail" and found.severity.value == "critical" and found.asset_id == artifact.id
    assert [f.asset_id for f in _findings(inv, "AISPM-SUP-020") if f.status == "fail"] == [artifact.id]


def test_clean_model_file_is_not_reported(aws: Stub) -> None:
    body = samples.safetensors({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0\0\0\0")
    _seed("clean/model.safetensors", body)
    inv = _scan()
    (artifact,) = list(inv.of_kind(AssetKind.MODEL_ARTIFACT))
    assert artifact.properties["scan"]["verdict"] == "clean"
    assert _findings(inv, "AISPM-AWS-049") == []
    assert [f for f in _findings(inv, "AISPM-SUP-020") if f.status == "fail"] == []


def test_unlistable_model_location_is_unknown(aws: Stub) -> None:
    _seed("fraud/model.pkl", _malicious())
    aws.state.deny_operations.add(f"s3:list-type:{BUCKET}")
    inv = _scan()
    assert list(inv.of_kind(AssetKind.MODEL_ARTIFACT)) == []
    account = next(a for a in inv.assets if a.properties.get("resource_type") == "aws:account")
    assert account.properties["coverage"]["global"]["model-scan"] == "denied"
    assert [f.status for f in _findings(inv, "AISPM-AWS-049")] == ["unknown"]


def test_model_scan_can_be_turned_off(aws: Stub) -> None:
    _seed("fraud/model.pkl", _malicious())
    inv = _scan(model_scan=False)
    assert list(inv.of_kind(AssetKind.MODEL_ARTIFACT)) == []
    account = next(a for a in inv.assets if a.properties.get("resource_type") == "aws:account")
    assert "model-scan" not in account.properties["coverage"]["global"]
