"""A realistic AI estate seeded into moto through boto3 (the same calls a user's IaC would make)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

REGION = "us-east-1"
OPENAI_KEY = "sk-proj-" + "Q7vB2mX9kLp4Rt8Wz1Nc6Hy3Jd5Fg0Sa" + "Ue7Ki2Ol9Pm4Qn8Rb1Tc6Vd3We5Xf0Yg"
HF_TOKEN = "hf_" + "QmZpLkRtXvBnWcYdAeSfGhJkUiOp" + "LsMnBv"
AGENT_KEY = (
    "sk-ant-api03-"
    + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
    + "9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0HgFeDcBa12345678-AbCdEfAA"
)
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
FILLER_ROLES = 118
NOTEBOOKS = 105


def trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def seed_iam() -> dict[str, str]:
    iam = boto3.client("iam")
    sm = iam.create_role(RoleName="sagemaker-exec", AssumeRolePolicyDocument=trust("sagemaker.amazonaws.com"))
    iam.attach_role_policy(
        RoleName="sagemaker-exec", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    )
    iam.put_role_policy(
        RoleName="sagemaker-exec",
        PolicyName="training-data",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-training-data/*"}
        ),
    )
    fn = iam.create_role(RoleName="lambda-ai", AssumeRolePolicyDocument=trust("lambda.amazonaws.com"))
    iam.put_role_policy(
        RoleName="lambda-ai",
        PolicyName="invoke",
        PolicyDocument=policy({"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}),
    )
    admin = iam.create_policy(
        PolicyName="AIAdmin",
        PolicyDocument=policy({"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="ml-team")
    iam.attach_group_policy(GroupName="ml-team", PolicyArn=admin)
    iam.create_user(UserName="ml-engineer")
    iam.add_user_to_group(GroupName="ml-team", UserName="ml-engineer")
    for i in range(FILLER_ROLES):
        iam.create_role(RoleName=f"svc-role-{i:03d}", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.create_instance_profile(InstanceProfileName="gpu-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="gpu-profile", RoleName="sagemaker-exec")
    return {"sagemaker": sm["Role"]["Arn"], "lambda": fn["Role"]["Arn"], "admin_policy": admin}


def seed_s3() -> None:
    s3 = boto3.client("s3")
    for name in ("acme-training-data", "acme-model-artifacts", "acme-invocation-logs", "acme-website"):
        s3.create_bucket(Bucket=name)
    s3.put_public_access_block(
        Bucket="acme-training-data",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket="acme-training-data",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_bucket_versioning(Bucket="acme-training-data", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(
        Bucket="acme-model-artifacts",
        Policy=policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::acme-model-artifacts/*",
            }
        ),
    )


def seed_sagemaker(roles: dict[str, str]) -> None:
    sm = boto3.client("sagemaker")
    role = roles["sagemaker"]
    for i in range(NOTEBOOKS):
        sm.create_notebook_instance(
            NotebookInstanceName=f"nb-{i:03d}",
            InstanceType="ml.t3.medium",
            RoleArn=role,
            DirectInternetAccess="Disabled",
        )
    sm.create_notebook_instance(
        NotebookInstanceName="research-nb",
        InstanceType="ml.t3.medium",
        RoleArn=role,
        DirectInternetAccess="Enabled",
        RootAccess="Enabled",
    )
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-serving:2.1"
    sm.create_model(
        ModelName="fraud-model",
        ExecutionRoleArn=role,
        PrimaryContainer={
            "Image": image,
            "ModelDataUrl": "s3://acme-model-artifacts/fraud/model.tar.gz",
            "Environment": {"HF_TOKEN": HF_TOKEN, "MAX_TOKENS": "512"},
        },
    )
    sm.create_endpoint_config(
        EndpointConfigName="fraud-config",
        ProductionVariants=[
            {
                "VariantName": "main",
                "ModelName": "fraud-model",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": "s3://acme-invocation-logs/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        },
    )
    sm.create_endpoint(EndpointName="fraud-endpoint", EndpointConfigName="fraud-config")
    sm.create_training_job(
        TrainingJobName="fraud-train",
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=role,
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://acme-training-data/train/"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": "s3://acme-model-artifacts/out/"},
        ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Environment={"WANDB_API_KEY": "0123456789abcdef0123456789abcdef01234567"},
    )
    sm.create_processing_job(
        ProcessingJobName="fraud-prep",
        ProcessingResources={
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}
        },
        AppSpecification={"ImageUri": image},
        RoleArn=role,
        ProcessingInputs=[
            {
                "InputName": "raw",
                "S3Input": {
                    "S3Uri": "s3://acme-training-data/raw/",
                    "LocalPath": "/opt/ml/processing/input",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],
    )
    sm.create_model_package_group(ModelPackageGroupName="fraud-models")
    sm.create_pipeline(
        PipelineName="fraud-pipeline",
        PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
        RoleArn=role,
    )


def seed_lambda(roles: dict[str, str]) -> str:
    lam = boto3.client("lambda")
    fn = lam.create_function(
        FunctionName="chat-api",
        Runtime="python3.12",
        Role=roles["lambda"],
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        Environment={
            "Variables": {
                "OPENAI_API_KEY": OPENAI_KEY,
                "BEDROCK_MODEL_ID": HAIKU,
                "SM_ENDPOINT": "fraud-endpoint",
            }
        },
    )
    lam.create_function_url_config(FunctionName="chat-api", AuthType="NONE")
    lam.create_function(
        FunctionName="nightly-report",
        Runtime="python3.12",
        Role=roles["lambda"],
        Handler="app.handler",
        Code={"ZipFile": _zip()},
    )
    api = boto3.client("apigatewayv2").create_api(Name="chat", ProtocolType="HTTP")
    gw = boto3.client("apigatewayv2")
    integration = gw.create_integration(
        ApiId=api["ApiId"],
        IntegrationType="AWS_PROXY",
        IntegrationUri=fn["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    gw.create_route(
        ApiId=api["ApiId"],
        RouteKey="POST /chat",
        AuthorizationType="NONE",
        Target=f"integrations/{integration['IntegrationId']}",
    )
    return str(fn["FunctionArn"])


def seed_compute() -> dict[str, str]:
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="llm-serving")
    ecr.set_repository_policy(
        repositoryName="llm-serving",
        policyText=policy(
            {"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}
        ),
    )
    ec2 = boto3.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    sg = ec2.create_security_group(GroupName="gpu-sg", Description="jupyter")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8888, "ToPort": 8888, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    gpu = ec2.run_instances(
        ImageId=image,
        InstanceType="g5.xlarge",
        MinCount=1,
        MaxCount=1,
        SecurityGroupIds=[sg],
        IamInstanceProfile={"Name": "gpu-profile"},
        MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "llm-finetune"}]}],
    )["Instances"][0]["InstanceId"]
    ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1)
    boto3.client("opensearch").create_domain(DomainName="kb-vectors", EngineVersion="OpenSearch_2.11")
    return {"gpu": gpu}


def seed_estate() -> dict[str, str]:
    roles = seed_iam()
    seed_s3()
    seed_sagemaker(roles)
    fn = seed_lambda(roles)
    compute = seed_compute()
    return {**roles, "function": fn, **compute}
