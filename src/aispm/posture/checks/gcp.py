"""Google Cloud Vertex AI: Workbench and managed notebooks, endpoints, datasets and stores.

Properties follow the Google API field names (``gceSetup.disablePublicIp``, ``encryptionSpec``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from aispm.core.model import Asset, Finding, Inventory
from aispm.posture.helpers import finding
from aispm.posture.policy import Policy
from aispm.posture.registry import check

INSTANCE = "notebooks.googleapis.com/Instance"
RUNTIME = "notebooks.googleapis.com/Runtime"
ENDPOINT = "aiplatform.googleapis.com/Endpoint"
INDEX_ENDPOINT = "aiplatform.googleapis.com/IndexEndpoint"
CMEK_TYPES = (
    "aiplatform.googleapis.com/Dataset",
    "aiplatform.googleapis.com/Featurestore",
    "aiplatform.googleapis.com/Tensorboard",
    "aiplatform.googleapis.com/MetadataStore",
    ENDPOINT,
)


def gcp(inventory: Inventory, *types: str) -> Iterator[Asset]:
    return (a for a in inventory.assets if a.provider == "gcp" and a.properties.get("resource_type") in types)


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _undetermined(value: Any) -> bool:
    """A setting infrastructure as code leaves to apply time (``${var.x}``)."""
    return isinstance(value, str) and "${" in value


def _unknown(rule_id: str, asset: Asset, what: str, value: Any) -> Finding:
    message = f"{asset.name}: {what} is not known before apply ({str(value)[:80]})"
    return replace(finding(rule_id, asset, message, evidence={what: value}), status="unknown")


@check("AISPM-GCP-001")
def notebook_public_ip(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in gcp(inventory, INSTANCE, RUNTIME):
        p = asset.properties
        if "gceSetup" in p:
            setting = _dig(p, "gceSetup", "disablePublicIp")
        elif "virtualMachine" in p:
            setting = _dig(p, "virtualMachine", "virtualMachineConfig", "internalIpOnly")
        else:
            setting = p.get("noPublicIp")
        if _undetermined(setting):
            yield _unknown("AISPM-GCP-001", asset, "the public IP setting", setting)
        elif setting is not True:
            yield finding("AISPM-GCP-001", asset, f"Vertex AI notebook {asset.name} has a public IP address")


@check("AISPM-GCP-002")
def no_cmek(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in gcp(inventory, *CMEK_TYPES, INSTANCE, RUNTIME):
        p = asset.properties
        if p.get("resource_type") in CMEK_TYPES:
            key = _dig(p, "encryptionSpec", "kmsKeyName")
        elif "gceSetup" in p:
            disk = _dig(p, "gceSetup", "bootDisk") or {}
            key = disk.get("kmsKey") if disk.get("diskEncryption") == "CMEK" else None
        elif "virtualMachine" in p:
            key = _dig(p, "virtualMachine", "virtualMachineConfig", "encryptionConfig", "kmsKey")
        else:
            key = p.get("kmsKey") if p.get("diskEncryption") == "CMEK" else None
        if not key:
            yield finding(
                "AISPM-GCP-002", asset, f"{asset.name} is not encrypted with a customer-managed key"
            )


@check("AISPM-GCP-003")
def public_endpoint(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in gcp(inventory, ENDPOINT, INDEX_ENDPOINT):
        p = asset.properties
        if p.get("resource_type") == INDEX_ENDPOINT:
            public = p.get("publicEndpointEnabled") is True
        else:
            public = not p.get("network") and not p.get("privateServiceConnectConfig")
        if public:
            yield finding(
                "AISPM-GCP-003", asset, f"Vertex AI endpoint {asset.name} is reachable on a public endpoint"
            )


@check("AISPM-GCP-004")
def notebook_not_shielded(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in gcp(inventory, INSTANCE):
        p = asset.properties
        shielded = (
            _dig(p, "gceSetup", "shieldedInstanceConfig")
            if "gceSetup" in p
            else p.get("shieldedInstanceConfig")
        )
        shielded = shielded if isinstance(shielded, dict) else {}
        if any(_undetermined(shielded.get(k)) for k in shielded):
            yield _unknown("AISPM-GCP-004", asset, "shieldedInstanceConfig", shielded)
            continue
        missing = [
            k
            for k in ("enableSecureBoot", "enableIntegrityMonitoring", "enableVtpm")
            if shielded.get(k) is not True
        ]
        if missing:
            yield finding(
                "AISPM-GCP-004",
                asset,
                f"Vertex AI notebook {asset.name} lacks Shielded VM {', '.join(missing)}",
                evidence={"shieldedInstanceConfig": shielded},
            )


@check("AISPM-GCP-005")
def default_service_account(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in gcp(inventory, INSTANCE):
        p = asset.properties
        accounts = _dig(p, "gceSetup", "serviceAccounts") if "gceSetup" in p else p.get("serviceAccount")
        emails = (
            [str(a.get("email")) for a in accounts if isinstance(a, dict)]
            if isinstance(accounts, list)
            else ([str(accounts)] if accounts else [])
        )
        if not emails or any(e.endswith("-compute@developer.gserviceaccount.com") for e in emails):
            yield finding(
                "AISPM-GCP-005",
                asset,
                f"Vertex AI notebook {asset.name} runs as the Compute Engine default service account",
                evidence={"service_accounts": emails},
            )
