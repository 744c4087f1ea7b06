"""Seed a moto server with an AI estate of N resources (default 5,000) for bench/aws_scan.py.

Run with the project's venv (it needs boto3):  .venv/bin/python bench/aws_seed.py --endpoint URL
The mix, spread over two regions: SageMaker models, endpoint configs, endpoints, notebooks and
training jobs (each running as an execution role and reading/writing buckets), IAM roles, S3
buckets, ECR repositories and Lambda functions with AI keys in their environment.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

REGIONS = ("us-east-1", "eu-west-1")
MIX = {
    "iam_role": 0.06,
    "s3_bucket": 0.04,
    "ecr_repository": 0.04,
    "lambda_function": 0.04,
    "sagemaker_notebook": 0.20,
    "sagemaker_model": 0.26,
    "sagemaker_endpoint_config": 0.10,
    "sagemaker_endpoint": 0.10,
    "sagemaker_training_job": 0.16,
}
"""Share of each resource type in the estate."""
CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _client(service: str, region: str = "us-east-1") -> object:
    return boto3.session.Session().client(service, region_name=region, config=CONFIG)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def seed(total: int, workers: int = 16) -> dict[str, int]:
    """Create about ``total`` resources; returns the count per type."""
    counts = {kind: max(1, int(total * share)) for kind, share in MIX.items()}
    iam = _client("iam")
    role = iam.create_role(RoleName="bench-sagemaker", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]  # type: ignore[attr-defined]
    iam.attach_role_policy(
        RoleName="bench-sagemaker", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    )  # type: ignore[attr-defined]
    clients = {(s, r): _client(s, r) for s in ("sagemaker", "s3", "ecr", "lambda") for r in REGIONS}
    code = _zip()

    def region(i: int) -> str:
        return REGIONS[i % len(REGIONS)]

    def sm(i: int) -> object:
        return clients[("sagemaker", region(i))]

    jobs: list[Callable[[], object]] = []
    for i in range(counts["iam_role"] - 1):
        jobs.append(lambda i=i: iam.create_role(RoleName=f"bench-role-{i}", AssumeRolePolicyDocument=TRUST))  # type: ignore[attr-defined]
    for i in range(counts["s3_bucket"]):
        jobs.append(lambda i=i: clients[("s3", "us-east-1")].create_bucket(Bucket=f"bench-ml-data-{i}"))  # type: ignore[attr-defined]
    for i in range(counts["ecr_repository"]):
        jobs.append(
            lambda i=i: clients[("ecr", region(i))].create_repository(repositoryName=f"model-server-{i}")
        )  # type: ignore[attr-defined]
    for i in range(counts["lambda_function"]):
        jobs.append(
            lambda i=i: clients[("lambda", region(i))].create_function(  # type: ignore[attr-defined]
                FunctionName=f"bench-chat-{i}",
                Runtime="python3.12",
                Role=role,
                Handler="app.handler",
                Code={"ZipFile": code},
                Environment={"Variables": {"BEDROCK_MODEL_ID": "anthropic.claude-3-haiku-20240307-v1:0"}},
            )
        )
    for i in range(counts["sagemaker_notebook"]):
        jobs.append(
            lambda i=i: sm(i).create_notebook_instance(  # type: ignore[attr-defined]
                NotebookInstanceName=f"bench-nb-{i}",
                InstanceType="ml.t3.medium",
                RoleArn=role,
                DirectInternetAccess="Enabled" if i % 3 == 0 else "Disabled",
            )
        )
    for i in range(counts["sagemaker_model"]):
        jobs.append(
            lambda i=i: sm(i).create_model(  # type: ignore[attr-defined]
                ModelName=f"bench-model-{i}",
                ExecutionRoleArn=role,
                PrimaryContainer={
                    "Image": "img:1",
                    "ModelDataUrl": f"s3://bench-ml-data-{i % 50}/m{i}.tar.gz",
                },
            )
        )
    _run(jobs, workers)
    jobs = []
    for i in range(counts["sagemaker_endpoint_config"]):
        jobs.append(
            lambda i=i: sm(i).create_endpoint_config(  # type: ignore[attr-defined]
                EndpointConfigName=f"bench-config-{i}",
                ProductionVariants=[
                    {
                        "VariantName": "v",
                        "ModelName": f"bench-model-{i}",
                        "InstanceType": "ml.m5.large",
                        "InitialInstanceCount": 1,
                    }
                ],
            )
        )
    for i in range(counts["sagemaker_training_job"]):
        jobs.append(
            lambda i=i: sm(i).create_training_job(  # type: ignore[attr-defined]
                TrainingJobName=f"bench-train-{i}",
                AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
                RoleArn=role,
                InputDataConfig=[
                    {
                        "ChannelName": "train",
                        "DataSource": {
                            "S3DataSource": {
                                "S3DataType": "S3Prefix",
                                "S3Uri": f"s3://bench-ml-data-{i % 50}/",
                            }
                        },
                    }
                ],
                OutputDataConfig={"S3OutputPath": f"s3://bench-ml-data-{i % 50}/out/"},
                ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
            )
        )
    _run(jobs, workers)
    jobs = [
        lambda i=i: sm(i).create_endpoint(
            EndpointName=f"bench-endpoint-{i}", EndpointConfigName=f"bench-config-{i}"
        )  # type: ignore[attr-defined]
        for i in range(counts["sagemaker_endpoint"])
    ]
    _run(jobs, workers)
    return counts


def _run(jobs: list[Callable[[], object]], workers: int) -> None:
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--resources", type=int, default=5000)
    args = parser.parse_args()
    os.environ.update(
        AWS_ENDPOINT_URL=args.endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing"
    )
    print(json.dumps(seed(args.resources)))


if __name__ == "__main__":
    main()
