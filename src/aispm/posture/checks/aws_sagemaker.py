"""SageMaker: notebook instances, models, training jobs, endpoint configs, domains, governance."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from aispm.core.model import JSON, Asset, Finding, Inventory
from aispm.posture.checks.aws_common import (
    Unknown,
    aws_reference,
    dig,
    fail,
    gap_unknowns,
    needs,
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
TRAINING = "sagemaker:training-job"
ENDPOINT_CONFIG = "sagemaker:endpoint-config"
DQ_JOB = "sagemaker:data-quality-job-definition"


def _each(
    rule_id: str,
    inventory: Inventory,
    resource_type: str,
    what: str,
    test: Callable[[Asset], str | None],
    *shown: str,
) -> Iterator[Finding]:
    """``per_resource`` over SageMaker with the ``shown`` properties as evidence (none if empty)."""
    evidence: Callable[[Asset], dict[str, JSON]] | None = (lambda a: pick(a, *shown)) if shown else None
    yield from per_resource(rule_id, inventory, resource_type, SM, what, test, evidence)


@check("AISPM-AWS-001")
def notebook_direct_internet(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("DirectInternetAccess", "has direct internet access", "Disabled")
    yield from _each(
        "AISPM-AWS-001", inventory, NOTEBOOK, "notebook", test, "DirectInternetAccess", "SubnetId"
    )


@check("AISPM-AWS-002")
def notebook_root_access(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("RootAccess", "gives users root access", "Disabled")
    yield from _each("AISPM-AWS-002", inventory, NOTEBOOK, "notebook", test, "RootAccess")


@check("AISPM-AWS-003")
def notebook_not_in_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("SubnetId", "is not attached to a VPC subnet")
    yield from _each("AISPM-AWS-003", inventory, NOTEBOOK, "notebook", test)


@check("AISPM-AWS-004")
def notebook_not_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("KmsKeyId", "stores its volume without a KMS key")
    yield from _each("AISPM-AWS-004", inventory, NOTEBOOK, "notebook", test)


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


_isolation = needs("EnableNetworkIsolation", "runs without network isolation", True)
_vpc = needs("VpcConfig.Subnets", "is not attached to a VPC")


@check("AISPM-AWS-006")
def model_network_isolation(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _each("AISPM-AWS-006", inventory, "sagemaker:model", "model", _isolation)


@check("AISPM-AWS-007")
def model_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _each("AISPM-AWS-007", inventory, "sagemaker:model", "model", _vpc)


@check("AISPM-AWS-008")
def training_network_isolation(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _each("AISPM-AWS-008", inventory, TRAINING, "training job", _isolation)


@check("AISPM-AWS-009")
def training_intercontainer_encryption(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs(
        "EnableInterContainerTrafficEncryption", "sends traffic between training containers unencrypted", True
    )
    yield from _each("AISPM-AWS-009", inventory, TRAINING, "training job", test)


@check("AISPM-AWS-010")
def training_volume_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(job: Asset) -> str | None:
        missing = []
        if not dig(job.properties, "ResourceConfig", "VolumeKmsKeyId"):
            missing.append("ML storage volume")
        if not dig(job.properties, "OutputDataConfig", "KmsKeyId"):
            missing.append("output artifacts")
        return f"does not encrypt its {' and '.join(missing)} with a KMS key" if missing else None

    yield from _each("AISPM-AWS-010", inventory, TRAINING, "training job", test)


@check("AISPM-AWS-011")
def training_vpc(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _each("AISPM-AWS-011", inventory, TRAINING, "training job", _vpc)


@check("AISPM-AWS-012")
def endpoint_config_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("KmsKeyId", "attaches ML storage volumes without a KMS key")
    yield from _each("AISPM-AWS-012", inventory, ENDPOINT_CONFIG, "endpoint configuration", test)


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

    yield from _each("AISPM-AWS-013", inventory, ENDPOINT_CONFIG, "endpoint configuration", test)


@check("AISPM-AWS-014")
def domain_iam_auth(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(domain: Asset) -> str | None:
        return (
            "authenticates users with IAM instead of IAM Identity Center (SSO)"
            if (domain.properties.get("AuthMode") == "IAM")
            else None
        )

    yield from _each("AISPM-AWS-014", inventory, "sagemaker:domain", "domain", test, "AuthMode")


@check("AISPM-AWS-015")
def endpoint_not_monitored(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(endpoint: Asset) -> str | None:
        schedules = endpoint.properties.get("monitoring_schedules")
        if schedules is None:
            return Unknown("its monitoring schedules were not inventoried")
        return None if schedules else "has no Model Monitor schedule"

    yield from _each("AISPM-AWS-015", inventory, "sagemaker:endpoint", "endpoint", test)


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

    yield from _each(
        "AISPM-AWS-050", inventory, NOTEBOOK, "notebook", test, "InstanceMetadataServiceConfiguration"
    )


@check("AISPM-AWS-051")
def domain_not_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("KmsKeyId", "is not encrypted with a customer-managed KMS key")
    yield from _each("AISPM-AWS-051", inventory, "sagemaker:domain", "domain", test)


@check("AISPM-AWS-053")
def data_quality_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("DataQualityJobOutputConfig.KmsKeyId", "writes its monitoring results without a KMS key")
    yield from _each(
        "AISPM-AWS-053", inventory, DQ_JOB, "data quality job definition", test, "DataQualityJobOutputConfig"
    )


@check("AISPM-AWS-054")
def data_quality_volume_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs(
        "JobResources.ClusterConfig.VolumeKmsKeyId", "stores its ML storage volume without a KMS key"
    )
    yield from _each("AISPM-AWS-054", inventory, DQ_JOB, "data quality job definition", test, "JobResources")


@check("AISPM-AWS-055")
def data_quality_intercontainer_encryption(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs(
        "NetworkConfig.EnableInterContainerTrafficEncryption",
        "sends traffic between monitoring instances unencrypted",
        True,
    )
    yield from _each("AISPM-AWS-055", inventory, DQ_JOB, "data quality job definition", test, "NetworkConfig")


@check("AISPM-AWS-056")
def flow_definition_output_kms(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("OutputConfig.KmsKeyId", "writes its output without a KMS key")
    yield from _each(
        "AISPM-AWS-056", inventory, "sagemaker:flow-definition", "flow definition", test, "OutputConfig"
    )


@check("AISPM-AWS-057")
def domain_public_internet(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    # Omitted means PublicInternetOnly, the API's (and both IaC providers') default.
    test = needs(
        "AppNetworkAccessType",
        "lets its Studio apps reach the internet directly (AppNetworkAccessType PublicInternetOnly)",
        "VpcOnly",
    )
    yield from _each(
        "AISPM-AWS-057", inventory, "sagemaker:domain", "domain", test, "AppNetworkAccessType", "VpcId"
    )
