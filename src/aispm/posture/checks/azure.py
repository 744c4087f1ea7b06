"""Azure AI: Azure OpenAI / AI Services accounts and deployments, Machine Learning, AI Search.

Properties follow the ARM resource ``properties`` names (``disableLocalAuth``,
``publicNetworkAccess`` ...), which is also how a live Azure collector will describe them.
"""

from __future__ import annotations

from collections.abc import Iterator

from aispm.core.model import Asset, Finding, Inventory
from aispm.posture.helpers import finding
from aispm.posture.policy import Policy
from aispm.posture.registry import check

COGNITIVE = "Microsoft.CognitiveServices/accounts"
DEPLOYMENT = "Microsoft.CognitiveServices/accounts/deployments"
ML_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
ML_COMPUTE = "Microsoft.MachineLearningServices/workspaces/computes"
SEARCH = "Microsoft.Search/searchServices"


def azure(inventory: Inventory, *types: str) -> Iterator[Asset]:
    return (
        a for a in inventory.assets if a.provider == "azure" and a.properties.get("resource_type") in types
    )


def _public(asset: Asset) -> bool:
    return str(asset.properties.get("publicNetworkAccess", "Enabled")).lower() != "disabled"


@check("AISPM-AZURE-001")
def local_auth(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE, SEARCH, ML_COMPUTE):
        if asset.properties.get("disableLocalAuth") is not True:
            yield finding(
                "AISPM-AZURE-001",
                asset,
                f"{asset.name} accepts API keys (local authentication is enabled)",
                evidence={"disableLocalAuth": asset.properties.get("disableLocalAuth")},
            )


@check("AISPM-AZURE-002")
def public_network(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE, ML_WORKSPACE, SEARCH):
        acl = asset.properties.get("networkAcls")
        denied = isinstance(acl, dict) and str(acl.get("defaultAction", "")).lower() == "deny"
        ips = asset.properties.get("allowedIps")
        open_ips = isinstance(ips, list) and any(str(ip) in ("0.0.0.0/0", "0.0.0.0", "*") for ip in ips)
        if (_public(asset) and not denied) or open_ips:
            yield finding(
                "AISPM-AZURE-002",
                asset,
                f"{asset.name} is reachable from public networks",
                evidence={
                    "publicNetworkAccess": asset.properties.get("publicNetworkAccess"),
                    "networkAcls": acl,
                    "allowedIps": ips,
                },
            )


@check("AISPM-AZURE-003")
def outbound_unrestricted(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE):
        if asset.properties.get("kind") not in ("OpenAI", "AIServices"):
            continue
        if asset.properties.get("restrictOutboundNetworkAccess") is not True:
            yield finding(
                "AISPM-AZURE-003",
                asset,
                f"{asset.name} may send data to any outbound destination",
                evidence={
                    "restrictOutboundNetworkAccess": asset.properties.get("restrictOutboundNetworkAccess"),
                    "allowedFqdnList": asset.properties.get("allowedFqdnList"),
                },
            )


@check("AISPM-AZURE-004")
def deployment_without_content_filter(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, DEPLOYMENT):
        rai = asset.properties.get("raiPolicyName")
        if not rai or str(rai).lower() in ("microsoft.nil", "none"):
            model = asset.properties.get("model")
            yield finding(
                "AISPM-AZURE-004",
                asset,
                f"deployment {asset.name} has no content filter (RAI policy) of its own"
                + (" (Microsoft.Nil disables filtering)" if rai else ""),
                evidence={"raiPolicyName": rai, "model": model},
            )


@check("AISPM-AZURE-005")
def no_customer_managed_key(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE, ML_WORKSPACE):
        enc = asset.properties.get("encryption")
        if not (
            isinstance(enc, dict)
            and (enc.get("keySource") == "Microsoft.KeyVault" or enc.get("keyVaultKeyId") or enc.get("keyId"))
        ):
            yield finding(
                "AISPM-AZURE-005",
                asset,
                f"{asset.name} is not encrypted with a customer-managed key",
                evidence={"encryption": enc},
            )


@check("AISPM-AZURE-006")
def no_managed_identity(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE, SEARCH):
        identity = asset.properties.get("identity")
        if not (isinstance(identity, dict) and identity.get("type")):
            yield finding(
                "AISPM-AZURE-006",
                asset,
                f"{asset.name} has no managed identity",
                evidence={"identity": identity},
            )


@check("AISPM-AZURE-007")
def compute_public_ip(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, ML_COMPUTE):
        if asset.properties.get("enableNodePublicIp") is not False:
            yield finding(
                "AISPM-AZURE-007",
                asset,
                f"ML compute {asset.name} nodes get public IP addresses",
                evidence={"enableNodePublicIp": asset.properties.get("enableNodePublicIp")},
            )


@check("AISPM-AZURE-008")
def workspace_not_isolated(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, ML_WORKSPACE):
        network = asset.properties.get("managedNetwork")
        mode = network.get("isolationMode") if isinstance(network, dict) else None
        hbi = asset.properties.get("hbiWorkspace") is True
        if str(mode or "Disabled") == "Disabled" and (hbi or _public(asset)):
            yield finding(
                "AISPM-AZURE-008",
                asset,
                f"workspace {asset.name} has no managed network isolation"
                + (" although it holds high-business-impact data" if hbi else ""),
                evidence={"managedNetwork": network, "hbiWorkspace": hbi},
            )
