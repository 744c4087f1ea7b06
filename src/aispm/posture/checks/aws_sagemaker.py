"""SageMaker: notebook instances, models, training jobs, endpoint configs, domains, governance."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aispm.core.model import JSON, Asset, Finding, Inventory
from aispm.posture.checks.aws_common import (
    Unknown,
    aws_reference,
    dig,
    fail,
    gap_unknowns,
    per_resource,
    pick,
    region_of,
    resources,
    scanned_regions,
    secrets_in,
)
from aispm.posture.policy import Policy
from aispm.posture.registry import check

SM = ("sagemaker",)
NOTEBOOK = "sagemaker:notebook-instance"


def _direct_internet(nb: Asset) -> str | None:
    return None if nb.properties.get("DirectInternetAccess") == "Disabled" else "has direct internet access"


def _root(nb: Asset) -> str | None:
    return None if nb.properties.get("RootAccess") == "Disabled" else "gives users root access"


@check("AISPM-AWS-001")
def notebook_direct_internet(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def ev(nb: Asset) -> dict[str, JSON]:
        return pick(nb, "DirectInternetAccess", "SubnetId")

    yield from per_resource("AISPM-AWS-001", inventory, NOTEBOOK, SM, "notebook", _direct_internet, ev)


@check("AISPM-AWS-002")
def notebook_root_access(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from per_resource(
        "AISPM-AWS-002", inventory, NOTEBOOK, SM, "notebook", _root, lambda a: pick(a, "RootAccess")
    )


@check("AISPM-AWS-003")
def notebook_not_in_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(nb: Asset) -> str | None:
        return None if nb.properties.get("SubnetId") else "is not attached to a VPC subnet"

    yield from per_resource("AISPM-AWS-003", inventory, NOTEBOOK, SM, "notebook", test)


@check("AISPM-AWS-004")
def notebook_not_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(nb: Asset) -> str | None:
        return None if nb.properties.get("KmsKeyId") else "stores its volume without a KMS key"

    yield from per_resource("AISPM-AWS-004", inventory, NOTEBOOK, SM, "notebook", test)


@check("AISPM-AWS-005")
def notebook_secrets(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in resources(inventory, "sagemaker:notebook-lifecycle-config", NOTEBOOK):
        found = secrets_in(inventory, asset)
        if found:
            kinds = sorted({str(s.properties.get("secret_type") or "secret") for s in found})
            yield fail(
                "AISPM-AWS-005",
                asset,
                f"{asset.properties.get('resource_type')} {asset.name} holds hard-coded credentials "
                f"({', '.join(kinds)})",
                {"secrets": [s.properties.get("redacted") for s in found], "types": kinds},
            )


def _isolation(asset: Asset) -> str | None:
    return (
        None if asset.properties.get("EnableNetworkIsolation") is True else "runs without network isolation"
    )


def _vpc(asset: Asset) -> str | None:
    return None if dig(asset.properties, "VpcConfig", "Subnets") else "is not attached to a VPC"


@check("AISPM-AWS-006")
def model_network_isolation(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from per_resource("AISPM-AWS-006", inventory, "sagemaker:model", SM, "model", _isolation)


@check("AISPM-AWS-007")
def model_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from per_resource("AISPM-AWS-007", inventory, "sagemaker:model", SM, "model", _vpc)


@check("AISPM-AWS-008")
def training_network_isolation(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from per_resource(
        "AISPM-AWS-008", inventory, "sagemaker:training-job", SM, "training job", _isolation
    )


@check("AISPM-AWS-009")
def training_intercontainer_encryption(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        if job.properties.get("EnableInterContainerTrafficEncryption") is True:
            return None
        return "sends traffic between training containers unencrypted"

    yield from per_resource("AISPM-AWS-009", inventory, "sagemaker:training-job", SM, "training job", test)


@check("AISPM-AWS-010")
def training_volume_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        missing = []
        if not dig(job.properties, "ResourceConfig", "VolumeKmsKeyId"):
            missing.append("ML storage volume")
        if not dig(job.properties, "OutputDataConfig", "KmsKeyId"):
            missing.append("output artifacts")
        return f"does not encrypt its {' and '.join(missing)} with a KMS key" if missing else None

    yield from per_resource("AISPM-AWS-010", inventory, "sagemaker:training-job", SM, "training job", test)


@check("AISPM-AWS-011")
def training_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from per_resource("AISPM-AWS-011", inventory, "sagemaker:training-job", SM, "training job", _vpc)


@check("AISPM-AWS-012")
def endpoint_config_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(cfg: Asset) -> str | None:
        return None if cfg.properties.get("KmsKeyId") else "attaches ML storage volumes without a KMS key"

    yield from per_resource(
        "AISPM-AWS-012", inventory, "sagemaker:endpoint-config", SM, "endpoint configuration", test
    )


@check("AISPM-AWS-013")
def endpoint_config_single_instance(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(cfg: Asset) -> str | None:
        variants = cfg.properties.get("ProductionVariants")
        single = [
            str(v.get("VariantName"))
            for v in (variants if isinstance(variants, list) else [])
            if isinstance(v, dict)
            and "ServerlessConfig" not in v
            and int(v.get("InitialInstanceCount") or 1) < 2
        ]
        return f"runs production variant(s) {', '.join(single)} on a single instance" if single else None

    yield from per_resource(
        "AISPM-AWS-013", inventory, "sagemaker:endpoint-config", SM, "endpoint configuration", test
    )


@check("AISPM-AWS-014")
def domain_iam_auth(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(domain: Asset) -> str | None:
        return (
            "authenticates users with IAM instead of IAM Identity Center (SSO)"
            if (domain.properties.get("AuthMode") == "IAM")
            else None
        )

    yield from per_resource(
        "AISPM-AWS-014", inventory, "sagemaker:domain", SM, "domain", test, lambda a: pick(a, "AuthMode")
    )


@check("AISPM-AWS-015")
def endpoint_not_monitored(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(endpoint: Asset) -> str | None:
        schedules = endpoint.properties.get("monitoring_schedules")
        if schedules is None:
            return Unknown("its monitoring schedules were not inventoried")
        return None if schedules else "has no Model Monitor schedule"

    yield from per_resource("AISPM-AWS-015", inventory, "sagemaker:endpoint", SM, "endpoint", test)


def _regions_with_models(inventory: Inventory) -> Iterator[tuple[Asset, str]]:
    """Scanned regions that host SageMaker models or endpoints."""
    used = {
        (str(a.properties.get("account_id")), region_of(a))
        for a in resources(inventory, "sagemaker:model", "sagemaker:endpoint")
    }
    for account, region in scanned_regions(inventory, "sagemaker"):
        if (str(account.properties.get("account_id")), region) in used:
            yield account, region


@check("AISPM-AWS-016")
def no_clarify(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    images = aws_reference()["clarify_images"]
    with_clarify = _account_regions(
        j
        for j in resources(inventory, "sagemaker:processing-job")
        if any(i in str(dig(j.properties, "AppSpecification", "ImageUri") or "") for i in images)
    )
    yield from _regions_lacking(
        "AISPM-AWS-016",
        inventory,
        with_clarify,
        "SageMaker models are deployed in {region} but no SageMaker Clarify bias or "
        "explainability processing job exists there",
    )
    yield from _gap("AISPM-AWS-016", inventory, "SageMaker Clarify jobs")


@check("AISPM-AWS-017")
def no_model_registry(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    approved = _account_regions(
        p
        for p in resources(inventory, "sagemaker:model-package")
        if p.properties.get("ModelApprovalStatus") == "Approved"
    )
    yield from _regions_lacking(
        "AISPM-AWS-017",
        inventory,
        approved,
        "SageMaker models are deployed in {region} without an approved model package in the "
        "SageMaker Model Registry",
    )
    yield from _gap("AISPM-AWS-017", inventory, "SageMaker Model Registry use")


def _account_regions(assets: Iterable[Asset]) -> set[tuple[str, str]]:
    """(account id, region) of each asset."""
    return {(str(a.properties.get("account_id")), region_of(a)) for a in assets}


def _regions_lacking(
    rule_id: str, inventory: Inventory, present: set[tuple[str, str]], message: str
) -> Iterator[Finding]:
    """A finding on the account for each region that deploys models but lacks ``present``."""
    for account, region in _regions_with_models(inventory):
        if (str(account.properties.get("account_id")), region) not in present:
            yield fail(
                rule_id, account, message.format(region=region), {"region": region}, discriminator=region
            )


def _gap(rule_id: str, inventory: Inventory, what: str) -> Iterator[Finding]:
    yield from gap_unknowns(rule_id, inventory, SM, what)


@check("AISPM-AWS-050")
def notebook_imds_v1(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(nb: Asset) -> str | None:
        version = dig(
            nb.properties, "InstanceMetadataServiceConfiguration", "MinimumInstanceMetadataServiceVersion"
        )
        if version is None:
            return Unknown("its instance metadata service configuration was not returned")
        return None if str(version) == "2" else "accepts IMDSv1 requests (minimum IMDS version 1)"

    yield from per_resource(
        "AISPM-AWS-050",
        inventory,
        NOTEBOOK,
        SM,
        "notebook",
        test,
        lambda a: pick(a, "InstanceMetadataServiceConfiguration"),
    )


@check("AISPM-AWS-051")
def domain_not_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(domain: Asset) -> str | None:
        return (
            None if domain.properties.get("KmsKeyId") else "is not encrypted with a customer-managed KMS key"
        )

    yield from per_resource("AISPM-AWS-051", inventory, "sagemaker:domain", SM, "domain", test)


DQ_JOB = "sagemaker:data-quality-job-definition"


@check("AISPM-AWS-053")
def data_quality_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        if dig(job.properties, "DataQualityJobOutputConfig", "KmsKeyId"):
            return None
        return "writes its monitoring results without a KMS key"

    yield from per_resource(
        "AISPM-AWS-053",
        inventory,
        DQ_JOB,
        SM,
        "data quality job definition",
        test,
        lambda a: pick(a, "DataQualityJobOutputConfig"),
    )


@check("AISPM-AWS-054")
def data_quality_volume_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        if dig(job.properties, "JobResources", "ClusterConfig", "VolumeKmsKeyId"):
            return None
        return "stores its ML storage volume without a KMS key"

    yield from per_resource(
        "AISPM-AWS-054",
        inventory,
        DQ_JOB,
        SM,
        "data quality job definition",
        test,
        lambda a: pick(a, "JobResources"),
    )


@check("AISPM-AWS-055")
def data_quality_intercontainer_encryption(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        if dig(job.properties, "NetworkConfig", "EnableInterContainerTrafficEncryption") is True:
            return None
        return "sends traffic between monitoring instances unencrypted"

    yield from per_resource(
        "AISPM-AWS-055",
        inventory,
        DQ_JOB,
        SM,
        "data quality job definition",
        test,
        lambda a: pick(a, "NetworkConfig"),
    )


@check("AISPM-AWS-056")
def flow_definition_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(flow: Asset) -> str | None:
        return (
            None
            if dig(flow.properties, "OutputConfig", "KmsKeyId")
            else "writes its output without a KMS key"
        )

    yield from per_resource(
        "AISPM-AWS-056",
        inventory,
        "sagemaker:flow-definition",
        SM,
        "flow definition",
        test,
        lambda a: pick(a, "OutputConfig"),
    )
