"""Never a false pass: denied calls, unreachable regions, unimplemented APIs and throttling."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_stub import Stub
from typer.testing import CliRunner

from aispm.cli.main import app, build_app
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.discover.aws.session import AwsOptions as Options
from aispm.discover.aws.session import enabled_regions, open_accounts

ACCT = "123456789012"


def _account(inv: Any) -> Any:
    return next(a for a in inv.assets if a.properties.get("resource_type") == "aws:account")


def _names(inv: Any, resource_type: str) -> set[str]:
    return {a.name for a in inv.assets if a.properties.get("resource_type") == resource_type}


def test_denied_service_in_one_region_is_a_gap_and_the_rest_goes_on(aws: Stub) -> None:
    for region in ("us-east-1", "eu-west-1"):
        boto3.client("ecr", region_name=region).create_repository(repositoryName=f"models-{region}")
    aws.state.deny.update({("ecr", "eu-west-1"), ("ec2", "eu-west-1")})
    inv = AwsCollector(AwsOptions(regions=("us-east-1", "eu-west-1")), services=("ecr", "ec2")).collect()
    assert _names(inv, "ecr:repository") == {"models-us-east-1"}  # negative control: the allowed region
    coverage = _account(inv).properties["coverage"]
    assert coverage["eu-west-1"]["ecr"] == "denied" and coverage["eu-west-1"]["ec2"] == "denied"
    assert coverage["us-east-1"]["ecr"] == "ok" and coverage["us-east-1"]["ec2"] == "ok"
    gaps = {w.location.uri: w for w in inv.warnings if w.kind == "coverage_gap" and w.location}
    assert "AccessDeniedException" in gaps[f"aws:{ACCT}:eu-west-1:ecr"].message
    assert "UnauthorizedOperation" in gaps[f"aws:{ACCT}:eu-west-1:ec2"].message
    assert f"aws:{ACCT}:us-east-1:ecr" not in gaps


def test_denied_read_of_one_bucket_marks_its_fields_unknown(aws: Stub) -> None:
    s3 = boto3.client("s3")
    for name in ("ml-training-a", "ml-training-b"):
        s3.create_bucket(Bucket=name)
    aws.state.deny_operations.add("s3:policy:ml-training-a")
    inv = AwsCollector(AwsOptions(regions=("us-east-1",)), services=("s3",)).collect()
    buckets = {a.name: a.properties for a in inv.assets if a.properties.get("resource_type") == "s3:bucket"}
    assert buckets["ml-training-a"]["policy"] == "unknown" and buckets["ml-training-a"]["unread"] == [
        "policy"
    ]
    assert buckets["ml-training-b"]["policy"] is None and "unread" not in buckets["ml-training-b"]
    assert _account(inv).properties["coverage"]["global"]["s3"] == "denied"


def test_unreachable_endpoint_is_an_unsupported_region(aws: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_OPENSEARCH", f"http://127.0.0.1:{closed}")
    inv = AwsCollector(AwsOptions(regions=("us-east-1",)), services=("opensearch", "aoss")).collect()
    coverage = _account(inv).properties["coverage"]["us-east-1"]
    assert coverage["opensearch"] == "unsupported_region" and coverage["aoss"] == "ok"


def test_api_the_server_does_not_implement_is_a_gap(aws: Stub) -> None:
    inv = AwsCollector(AwsOptions(regions=("us-east-1",)), services=("sagemaker",)).collect()
    # moto lacks ListUserProfiles
    failures = _account(inv).properties["coverage_failures"]
    ops = {(f["service"], f["operation"]) for f in failures}
    assert ("sagemaker", "list_user_profiles") in ops and ("sagemaker", "list_notebook_instances") not in ops


def test_throttling_is_retried(aws: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("sagemaker").create_model(
        ModelName="m1", ExecutionRoleArn=f"arn:aws:iam::{ACCT}:role/r", PrimaryContainer={"Image": "img"}
    )
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    aws.state.throttle["ListModels"] = 2
    inv = AwsCollector(AwsOptions(regions=("us-east-1",)), services=("sagemaker",)).collect()
    assert "m1" in _names(inv, "sagemaker:model")
    assert aws.state.calls["sagemaker:ListModels"] == 3
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # negative control: no retries left
    aws.state.throttle["ListModels"] = 1
    inv = AwsCollector(AwsOptions(regions=("us-east-1",)), services=("sagemaker",)).collect()
    assert "m1" not in _names(inv, "sagemaker:model")
    assert _account(inv).properties["coverage"]["us-east-1"]["sagemaker"] == "error"


def test_several_accounts_through_assumed_roles(aws: Stub) -> None:
    roles = [f"arn:aws:iam::{acct}:role/aispm-reader" for acct in ("111111111111", "222222222222")]
    accounts = open_accounts(Options(role_arns=tuple(roles)))
    assert [a.account_id for a in accounts] == ["111111111111", "222222222222"]
    accounts[0].client("s3").create_bucket(Bucket="acct1-training-data")
    inv = AwsCollector(AwsOptions(regions=("us-east-1",), role_arns=tuple(roles)), services=("s3",)).collect()
    assert {
        _a.properties["account_id"]
        for _a in inv.assets
        if _a.properties.get("resource_type") == "aws:account"
    } == {
        "111111111111",
        "222222222222",
    }
    bucket = next(a for a in inv.assets if a.name == "acct1-training-data")
    assert bucket.properties["account_id"] == "111111111111"


def test_default_regions_are_the_enabled_ones(aws: Stub) -> None:
    regions = enabled_regions(open_accounts(Options())[0])
    assert {"us-east-1", "eu-west-1"} <= set(regions) and aws.state.calls["ec2:DescribeRegions"] == 1


def test_cli_scans_a_repository_and_aws_into_one_inventory(aws: Stub, tmp_path: Path) -> None:
    build_app()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o')\n")
    out = tmp_path / "report.json"
    args = [
        "scan",
        str(repo),
        "aws",
        "--regions",
        "us-east-1",
        "--no-store",
        "-q",
        "-f",
        "json",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    report = json.loads(out.read_text())
    kinds = {a["kind"] for a in report["assets"]}
    assert "repository" in kinds and any(
        a["properties"].get("resource_type") == "aws:account" for a in report["assets"]
    )
    assert report["summary"]["coverage_gaps"] > 0
    assert result.exit_code == 3  # finished, but parts were not readable: never a clean pass


def test_cli_without_credentials_fails_clearly(aws: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    build_app()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(app, ["scan", "aws", "--regions", "us-east-1", "--no-store", "-q"])
    assert result.exit_code == 2 and "cannot reach AWS" in result.output
