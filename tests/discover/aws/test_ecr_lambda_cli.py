"""ECR images and the model server a repository holds, function URLs of Lambda aliases, and
``aispm scan aws --no-model-scan`` — against the moto server.

moto ignores ``Qualifier`` in ``GetFunctionUrlConfig``: an alias answers with the function's own
URL config, which is enough to exercise the alias path (the asset is named by the alias ARN)."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path
from typing import Any

import boto3
from aws_stub import Stub
from typer.testing import CliRunner

from aispm.cli.main import app, build_app
from aispm.core.model import Inventory, RelationKind
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.discover.aws.ecr import NEWEST_IMAGES, model_server
from aispm.discover.aws.scope import asset_id

ACCT = "123456789012"
REGION = "us-east-1"


def _of_type(inv: Inventory, resource_type: str) -> dict[str, Any]:
    return {a.name: a for a in inv.assets if a.properties.get("resource_type") == resource_type}


def _manifest(n: int) -> str:
    layer = {
        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "size": n,
        "digest": f"sha256:{n:064x}",
    }
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": f"sha256:{n + 1000:064x}",
            },
            "layers": [layer],
        }
    )


def _seed_ecr() -> None:
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="vllm/vllm-openai")
    ecr.create_repository(repositoryName="serving")
    ecr.create_repository(repositoryName="billing-api")
    for n in range(NEWEST_IMAGES + 2):
        ecr.put_image(repositoryName="vllm/vllm-openai", imageManifest=_manifest(n), imageTag=f"v0.{n}")
    ecr.put_image(repositoryName="serving", imageManifest=_manifest(100), imageTag="tritonserver-24.05")
    ecr.put_image(repositoryName="billing-api", imageManifest=_manifest(200), imageTag="1.0")


def _scan_ecr() -> Inventory:
    return AwsCollector(AwsOptions(regions=(REGION,)), services=("ecr",)).collect()


def test_catalog_matches_names_and_tags() -> None:
    assert model_server("ml/text-generation-inference", []) == "tgi"
    assert model_server("ollama", []) == "ollama"
    assert model_server("inference", ["djl-serving-0.28"]) == "djl-serving"
    assert model_server("billing-api", ["1.0", "latest"]) is None


def test_ecr_images_and_model_server(aws: Stub) -> None:
    _seed_ecr()
    repos = _of_type(_scan_ecr(), "ecr:repository")
    vllm = repos["vllm/vllm-openai"].properties
    assert vllm["model_server"] == "vllm"
    assert len(vllm["images"]) == NEWEST_IMAGES
    image = vllm["images"][0]
    assert set(image) == {"tags", "digest", "pushed_at", "size"} and image["digest"].startswith("sha256:")
    assert repos["serving"].properties["model_server"] == "triton"  # matched by its tag
    billing = repos["billing-api"].properties
    assert billing["images"][0]["tags"] == ["1.0"] and "model_server" not in billing


def test_denied_describe_images_is_a_gap(aws: Stub) -> None:
    _seed_ecr()
    aws.state.deny_operations.add("DescribeImages")
    inv = _scan_ecr()
    vllm = _of_type(inv, "ecr:repository")["vllm/vllm-openai"].properties
    assert "images" not in vllm and "model_server" not in vllm
    account = next(a for a in inv.assets if a.properties.get("resource_type") == "aws:account")
    assert account.properties["coverage"][REGION]["ecr"] != "ok"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def test_function_url_of_an_alias(aws: Stub) -> None:
    role = boto3.client("iam").create_role(
        RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    lam = boto3.client("lambda")
    fn = lam.create_function(
        FunctionName="chat", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": _zip()}
    )
    version = lam.publish_version(FunctionName="chat")["Version"]
    lam.create_alias(FunctionName="chat", Name="live", FunctionVersion=version)
    lam.create_function_url_config(FunctionName="chat", AuthType="NONE")
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("lambda",)).collect()
    arn = str(fn["FunctionArn"])
    urls = {
        a.location.uri: a
        for a in inv.assets
        if a.properties.get("resource_type") == "lambda:function-url" and a.location
    }
    assert set(urls) == {f"{arn}/function-url", f"{arn}:live/function-url"}
    alias_url = urls[f"{arn}:live/function-url"]
    assert alias_url.properties["qualifier"] == "live" and alias_url.properties["AuthType"] == "NONE"
    edges = {r.key for r in inv.relationships}
    assert (alias_url.id, RelationKind.EXPOSES.value, asset_id("lambda:function", arn)) in edges


def test_cli_no_model_scan(aws: Stub, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="acme-model-store")
    s3.put_object(Bucket="acme-model-store", Key="fraud/model.pkl", Body=pickle.dumps({"w": [1.0]}))
    boto3.client("sagemaker").create_model(
        ModelName="fraud-model",
        ExecutionRoleArn=f"arn:aws:iam::{ACCT}:role/sm",
        PrimaryContainer={
            "Image": f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/serve:1",
            "ModelDataUrl": "s3://acme-model-store/fraud/model.pkl",
        },
    )
    build_app()

    def kinds(*extra: str) -> set[str]:
        out = tmp_path / f"report{len(extra)}.json"
        args = ["scan", "aws", "--regions", REGION, "--no-store", "-q", "-f", "json", "-o", str(out), *extra]
        result = CliRunner().invoke(app, args)
        assert out.exists(), result.output
        return {a["kind"] for a in json.loads(out.read_text())["assets"]}

    assert "model_artifact" in kinds()
    assert "model_artifact" not in kinds("--no-model-scan")
