"""Reads that decide rules which would otherwise be unknown: Model Monitor schedules of endpoints
(AISPM-AWS-015), VPC endpoints to Bedrock (AISPM-AWS-036) and IAM users' service-specific
credentials, i.e. Bedrock API keys (AISPM-AWS-037/038).  Real boto3 over HTTP: moto serves the
estate and VPC endpoints; the stub serves ListMonitoringSchedules and ListServiceSpecificCredentials
(moto implements neither) with real-shaped responses, more than one page of each."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_stub import Stub

from aispm.core.model import Finding, Inventory
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.posture import Policy, evaluate

ACCT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCT}:role/sm"


def _assets(inv: Inventory, resource_type: str) -> dict[str, Any]:
    return {a.name: a for a in inv.assets if a.properties.get("resource_type") == resource_type}


def _account(inv: Inventory) -> Any:
    return next(iter(_assets(inv, "aws:account").values()))


def _findings(inv: Inventory, rule_id: str) -> list[Finding]:
    found, _ = evaluate(inv, Policy())
    return [f for f in found if f.rule_id == rule_id]


def _endpoints() -> None:
    sm = boto3.client("sagemaker")
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/serve:1"},
    )
    variant = {"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[variant])
    for name in ("watched", "blind"):
        sm.create_endpoint(EndpointName=name, EndpointConfigName="c")


def _schedule(i: int, endpoint: str) -> dict[str, Any]:
    return {
        "MonitoringScheduleName": f"s{i}",
        "MonitoringScheduleArn": f"arn:aws:sagemaker:{REGION}:{ACCT}:monitoring-schedule/s{i}",
        "CreationTime": "2025-01-01T00:00:00Z",
        "LastModifiedTime": "2025-01-01T00:00:00Z",
        "MonitoringScheduleStatus": "Scheduled",
        "EndpointName": endpoint,
        "MonitoringType": "DataQuality",
    }


def test_monitoring_schedules_decide_model_monitor_rule(aws: Stub) -> None:
    _endpoints()
    aws.state.monitoring_schedules.extend(_schedule(i, "watched") for i in range(3))  # two pages
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker",)).collect()
    endpoints = _assets(inv, "sagemaker:endpoint")
    assert [s["MonitoringScheduleName"] for s in endpoints["watched"].properties["monitoring_schedules"]] == [
        "s0",
        "s1",
        "s2",
    ]
    assert endpoints["blind"].properties["monitoring_schedules"] == []
    assert aws.state.calls["sagemaker:ListMonitoringSchedules"] == 2 and not aws.state.shape_problems
    ids = {e.id for e in endpoints.values()}  # moto fails some other SageMaker lists: account-level gaps
    found = {f.asset_id: f.status for f in _findings(inv, "AISPM-AWS-015") if f.asset_id in ids}
    assert found == {endpoints["blind"].id: "fail"}  # the monitored endpoint passes


def test_denied_monitoring_schedules_are_unknown(aws: Stub) -> None:
    _endpoints()
    aws.state.deny_operations.add("ListMonitoringSchedules")
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker",)).collect()
    endpoints = _assets(inv, "sagemaker:endpoint")
    assert all("monitoring_schedules" not in e.properties for e in endpoints.values())
    assert _account(inv).properties["coverage"][REGION]["sagemaker"] == "denied"
    statuses = {f.asset_id: f.status for f in _findings(inv, "AISPM-AWS-015")}
    assert statuses[endpoints["blind"].id] == "unknown" and "fail" not in statuses.values()


def _bedrock_in_region(aws: Stub) -> None:
    aws.state.bedrock = {
        REGION: {
            "agents": [
                {
                    "agentId": "AG1",
                    "agentName": "helper",
                    "agentArn": f"arn:aws:bedrock:{REGION}:{ACCT}:agent/AG1",
                    "agentStatus": "PREPARED",
                    "agentResourceRoleArn": ROLE,
                    "idleSessionTTLInSeconds": 600,
                    "agentVersion": "DRAFT",
                    "createdAt": "2025-01-01T00:00:00Z",
                    "updatedAt": "2025-01-01T00:00:00Z",
                }
            ]
        }
    }


def _vpc_endpoints(*services: str) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for service in services:
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}")


def _scan_vpc() -> Inventory:
    return AwsCollector(AwsOptions(regions=(REGION,)), services=("bedrock", "bedrock-agent", "ec2")).collect()


def test_vpc_endpoints_to_bedrock_pass(aws: Stub) -> None:
    _bedrock_in_region(aws)
    _vpc_endpoints("bedrock", "bedrock-runtime", "bedrock-agent-runtime", "s3")
    inv = _scan_vpc()
    assert _account(inv).properties["vpc_endpoints"] == {
        REGION: [
            f"com.amazonaws.{REGION}.{s}" for s in ("bedrock", "bedrock-agent-runtime", "bedrock-runtime")
        ]
    }  # only AI services are recorded (not s3)
    assert _findings(inv, "AISPM-AWS-036") == []


def test_missing_vpc_endpoint_to_bedrock_fails(aws: Stub) -> None:
    _bedrock_in_region(aws)
    _vpc_endpoints("bedrock-runtime")
    found = _findings(_scan_vpc(), "AISPM-AWS-036")
    assert [f.status for f in found] == ["fail"]
    assert found[0].evidence["missing"] == [
        f"com.amazonaws.{REGION}.bedrock",
        f"com.amazonaws.{REGION}.bedrock-agent-runtime",
    ]


def test_denied_vpc_endpoints_are_unknown(aws: Stub) -> None:
    _bedrock_in_region(aws)
    aws.state.deny_operations.add("DescribeVpcEndpoints")
    inv = _scan_vpc()
    assert _account(inv).properties["vpc_endpoints"] == {}
    assert [f.status for f in _findings(inv, "AISPM-AWS-036")] == ["unknown"]
    assert any("describe_vpc_endpoints" in w.message for w in inv.warnings if w.kind == "coverage_gap")


def _credential(user: str, n: int, service: str = "bedrock.amazonaws.com", **extra: str) -> dict[str, Any]:
    return {
        "UserName": user,
        "Status": "Active",
        "ServiceUserName": f"{user}-at-{ACCT}",
        "CreateDate": "2025-01-01T00:00:00Z",
        "ServiceSpecificCredentialId": f"ACCA{n:016d}",
        "ServiceName": service,
        **extra,
    }


def _users() -> None:
    iam = boto3.client("iam")
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    for name in ("ops-admin", "analyst", "quiet"):
        iam.create_user(UserName=name)
    iam.attach_user_policy(UserName="ops-admin", PolicyArn=admin)
    read = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="analyst", PolicyName="read", PolicyDocument=json.dumps(read))


def test_bedrock_api_keys_decide_key_rules(aws: Stub) -> None:
    _users()
    aws.state.service_credentials.extend(
        [
            _credential("ops-admin", 1),
            _credential("analyst", 2, ExpirationDate="2020-01-01T00:00:00Z"),  # expired: not long-term
            _credential("analyst", 3, service="codecommit.amazonaws.com"),
        ]
    )
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("iam",)).collect()
    users = _assets(inv, "iam:user")
    assert [
        c["ServiceSpecificCredentialId"]
        for c in users["ops-admin"].properties["service_specific_credentials"]
    ] == ["ACCA0000000000000001"]
    assert len(users["analyst"].properties["service_specific_credentials"]) == 2
    assert users["quiet"].properties["service_specific_credentials"] == []
    assert aws.state.calls["iam:ListServiceSpecificCredentials"] == 2 and not aws.state.shape_problems
    admin = {f.asset_id: f.status for f in _findings(inv, "AISPM-AWS-037")}
    assert admin == {users["ops-admin"].id: "fail"}  # the analyst's key is not Bedrock-admin
    long_term = {(f.asset_id, f.status) for f in _findings(inv, "AISPM-AWS-038")}
    assert long_term == {(users["ops-admin"].id, "fail")}  # the expired key passes


def test_denied_api_key_listing_is_unknown(aws: Stub) -> None:
    _users()
    aws.state.deny_operations.add("ListServiceSpecificCredentials")
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("iam",)).collect()
    assert all("service_specific_credentials" not in u.properties for u in _assets(inv, "iam:user").values())
    for rule in ("AISPM-AWS-037", "AISPM-AWS-038"):
        statuses = [f.status for f in _findings(inv, rule)]
        assert statuses and set(statuses) == {"unknown"}, rule


def _domain_args(auth_mode: str) -> dict[str, Any]:
    """What CreateDomain needs besides the name."""
    return {
        "AuthMode": auth_mode,
        "DefaultUserSettings": {"ExecutionRole": ROLE},
        "SubnetIds": ["subnet-1"],
        "VpcId": "vpc-1",
    }


def test_cmk_and_imds_rules_on_live_resources(aws: Stub) -> None:
    """AISPM-AWS-050/051/052 over what the collector reads (the same rules fire on IaC assets,
    tests/posture/test_aws_rules.py)."""
    sm = boto3.client("sagemaker")
    common = _domain_args("IAM")
    sm.create_domain(DomainName="plain", **common)
    sm.create_domain(DomainName="sealed", KmsKeyId=f"arn:aws:kms:{REGION}:{ACCT}:key/k", **common)
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    _bedrock_in_region(aws)
    assert aws.state.bedrock is not None
    agents = aws.state.bedrock[REGION]["agents"]
    agents.append(
        {
            **agents[0],
            "agentId": "AG2",
            "agentName": "sealed",
            "agentArn": f"arn:aws:bedrock:{REGION}:{ACCT}:agent/AG2",
            "customerEncryptionKeyArn": f"arn:aws:kms:{REGION}:{ACCT}:key/k",
        }
    )
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker", "bedrock-agent")).collect()
    domains = _assets(inv, "sagemaker:domain")
    on_domains = {
        f.asset_id: f.status
        for f in _findings(inv, "AISPM-AWS-051")
        if f.asset_id in {d.id for d in domains.values()}
    }
    assert on_domains == {domains["plain"].id: "fail"}
    helper = _assets(inv, "bedrock:agent")
    assert {f.asset_id: f.status for f in _findings(inv, "AISPM-AWS-052")} == {helper["helper"].id: "fail"}
    # moto's DescribeNotebookInstance omits InstanceMetadataServiceConfiguration: unknown, not pass
    notebook = _assets(inv, "sagemaker:notebook-instance")["nb"]
    assert {f.status for f in _findings(inv, "AISPM-AWS-050") if f.asset_id == notebook.id} == {"unknown"}


def test_studio_domain_internet_access_on_live_domains(aws: Stub) -> None:
    """AISPM-AWS-057 over DescribeDomain: a domain created without AppNetworkAccessType gets the
    API default PublicInternetOnly (moto answers it as AWS does) and fails like one that sets it;
    VpcOnly passes (the same rule fires on IaC assets, tests/posture/test_aws_rules.py)."""
    sm = boto3.client("sagemaker")
    common = _domain_args("SSO")
    sm.create_domain(DomainName="implicit", **common)
    sm.create_domain(DomainName="public", AppNetworkAccessType="PublicInternetOnly", **common)
    sm.create_domain(DomainName="private", AppNetworkAccessType="VpcOnly", **common)
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker",)).collect()
    domains = _assets(inv, "sagemaker:domain")
    assert domains["implicit"].properties["AppNetworkAccessType"] == "PublicInternetOnly"
    ids = {d.id for d in domains.values()}
    hits = {f.asset_id: (f.status, f.location) for f in _findings(inv, "AISPM-AWS-057") if f.asset_id in ids}
    assert set(hits) == {domains["implicit"].id, domains["public"].id}, [
        f.message for f in _findings(inv, "AISPM-AWS-057")
    ]
    assert {status for status, _ in hits.values()} == {"fail"}
    # located at the domain's ARN, as every live AWS finding
    assert hits[domains["public"].id][1].uri == domains["public"].properties["arn"]


def _rest_api(name: str, uri: str, auth: str, api_key: bool = False) -> None:
    gw = boto3.client("apigateway")
    api = gw.create_rest_api(name=name)["id"]
    root = next(r["id"] for r in gw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    res = gw.create_resource(restApiId=api, parentId=root, pathPart="predict")["id"]
    gw.put_method(
        restApiId=api, resourceId=res, httpMethod="POST", authorizationType=auth, apiKeyRequired=api_key
    )
    gw.put_integration(
        restApiId=api,
        resourceId=res,
        httpMethod="POST",
        type="AWS" if uri.startswith("arn:") else "HTTP",
        integrationHttpMethod="POST",
        uri=uri,
    )


def test_rest_api_fronting_inference(aws: Stub) -> None:
    _endpoints()
    sm_uri = f"arn:aws:apigateway:{REGION}:runtime.sagemaker:path//endpoints/blind/invocations"
    _rest_api("open-inference", sm_uri, "NONE")
    _rest_api("iam-inference", sm_uri, "AWS_IAM")
    _rest_api("keyed-inference", sm_uri, "NONE", api_key=True)
    _rest_api("static", "http://example.com/", "NONE")  # not AI: not inventoried
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker", "apigateway-rest")).collect()
    methods = _assets(inv, "apigateway:rest-method")
    assert sorted(methods) == [
        "iam-inference POST /predict",
        "keyed-inference POST /predict",
        "open-inference POST /predict",
    ]
    endpoint = _assets(inv, "sagemaker:endpoint")["blind"]
    opened = methods["open-inference POST /predict"]
    assert (opened.id, "exposes", endpoint.id) in {r.key for r in inv.relationships}
    found = {
        f.asset_id: f.status
        for f in _findings(inv, "AISPM-AWS-044")
        if f.asset_id in {m.id for m in methods.values()}
    }
    assert found == {opened.id: "fail"}


def test_denied_rest_apis_are_unknown(aws: Stub) -> None:
    aws.state.deny.add(("apigateway", "*"))
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("apigateway-rest",)).collect()
    assert _account(inv).properties["coverage"][REGION]["apigateway-rest"] == "denied"
    assert "unknown" in {f.status for f in _findings(inv, "AISPM-AWS-044")}


def _dq_job(name: str, **extra: Any) -> None:
    boto3.client("sagemaker").create_data_quality_job_definition(
        JobDefinitionName=name,
        DataQualityAppSpecification={"ImageUri": "156813124566.dkr.ecr.us-east-1.amazonaws.com/analyzer"},
        DataQualityJobInput={
            "EndpointInput": {"EndpointName": "chat", "LocalPath": "/opt/ml/processing/input"}
        },
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": f"s3://monitoring/{name}", "LocalPath": "/opt/ml/processing/output"}}
            ],
            **extra.pop("output", {}),
        },
        JobResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
                **extra.pop("cluster", {}),
            }
        },
        RoleArn=ROLE,
        **extra,
    )


def test_data_quality_job_definition_rules_on_live_resources(aws: Stub) -> None:
    """AISPM-AWS-053/054/055 over ListDataQualityJobDefinitions + DescribeDataQualityJobDefinition."""
    key = f"arn:aws:kms:{REGION}:{ACCT}:key/k"
    _dq_job("plain")
    _dq_job(
        "sealed",
        output={"KmsKeyId": key},
        cluster={"VolumeKmsKeyId": key},
        NetworkConfig={"EnableInterContainerTrafficEncryption": True},
    )
    inv = AwsCollector(AwsOptions(regions=(REGION,)), services=("sagemaker",)).collect()
    jobs = _assets(inv, "sagemaker:data-quality-job-definition")
    assert set(jobs) == {"plain", "sealed"}
    for rule in ("AISPM-AWS-053", "AISPM-AWS-054", "AISPM-AWS-055"):
        on_jobs = {
            f.asset_id: f.status for f in _findings(inv, rule) if f.asset_id in {j.id for j in jobs.values()}
        }
        assert on_jobs == {jobs["plain"].id: "fail"}, rule
