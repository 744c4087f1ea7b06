"""Azure AI: Azure OpenAI / AI Services accounts and deployments, Machine Learning, AI Search.

Properties follow the ARM resource ``properties`` names (``disableLocalAuth``,
``publicNetworkAccess`` ...), which is also how a live Azure collector will describe them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from aispm.core.model import JSON, Asset, Finding, Inventory
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


def _undetermined(value: JSON) -> bool:
    """A setting infrastructure as code leaves to apply time (``${var.x}``)."""
    return isinstance(value, str) and "${" in value


def _unknown(rule_id: str, asset: Asset, key: str, value: JSON) -> Finding:
    message = f"{asset.name}: {key} is not known before apply ({str(value)[:80]})"
    return replace(finding(rule_id, asset, message, evidence={key: value}), status="unknown")


def _unless(
    rule_id: str, inventory: Inventory, types: tuple[str, ...], key: str, wanted: bool, message: str
) -> Iterator[Finding]:
    """A finding on each asset of ``types`` whose ``key`` is not ``wanted`` (``{name}`` in
    ``message`` is the asset's name); the property is the evidence."""
    for asset in azure(inventory, *types):
        if _undetermined(asset.properties.get(key)):
            yield _unknown(rule_id, asset, key, asset.properties.get(key))
        elif asset.properties.get(key) is not wanted:
            yield finding(
                rule_id, asset, message.format(name=asset.name), evidence={key: asset.properties.get(key)}
            )


def _count(value: JSON) -> int | None:
    """A whole-number setting, also when written as a numeric string; None when it is not one (an
    expression the IaC reader could not evaluate, or missing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _undecided(rule_id: str, asset: Asset, what: str, raw: JSON, evidence: Mapping[str, JSON]) -> Finding:
    """An ``unknown`` finding: the setting ``what`` the rule compares is missing or not a number."""
    state = "is not set" if raw is None else f"is not a known number ({str(raw)[:80]})"
    return replace(finding(rule_id, asset, f"{what} {state}", evidence=evidence), status="unknown")


@check("AISPM-AZURE-001")
def local_auth(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _unless(
        "AISPM-AZURE-001",
        inventory,
        (COGNITIVE, SEARCH, ML_COMPUTE),
        "disableLocalAuth",
        True,
        "{name} accepts API keys (local authentication is enabled)",
    )


@check("AISPM-AZURE-002")
def public_network(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, COGNITIVE, ML_WORKSPACE, SEARCH):
        acl = asset.properties.get("networkAcls")
        denied = isinstance(acl, dict) and str(acl.get("defaultAction", "")).lower() == "deny"
        ips = asset.properties.get("allowedIps")
        open_ips = isinstance(ips, list) and any(str(ip) in ("0.0.0.0/0", "0.0.0.0", "*") for ip in ips)
        if _undetermined(asset.properties.get("publicNetworkAccess")) and not denied and not open_ips:
            yield _unknown(
                "AISPM-AZURE-002", asset, "publicNetworkAccess", asset.properties["publicNetworkAccess"]
            )
        elif (_public(asset) and not denied) or open_ips:
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
        restricted = asset.properties.get("restrictOutboundNetworkAccess")
        if _undetermined(restricted):
            yield _unknown("AISPM-AZURE-003", asset, "restrictOutboundNetworkAccess", restricted)
        elif restricted is not True:
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
    yield from _unless(
        "AISPM-AZURE-007",
        inventory,
        (ML_COMPUTE,),
        "enableNodePublicIp",
        False,
        "ML compute {name} nodes get public IP addresses",
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


@check("AISPM-AZURE-009")
def compute_cluster_min_nodes(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in azure(inventory, ML_COMPUTE):
        if asset.properties.get("computeType") != "AmlCompute":
            continue  # compute instances and attached compute have no scale settings
        settings = asset.properties.get("scaleSettings")
        raw = settings.get("minNodeCount") if isinstance(settings, dict) else None
        nodes = _count(raw)
        evidence = {"scaleSettings": settings}
        if nodes is None:
            yield _undecided(
                "AISPM-AZURE-009",
                asset,
                f"ML compute cluster {asset.name}: the minimum node count",
                raw,
                evidence,
            )
        elif nodes > 0:
            yield finding(
                "AISPM-AZURE-009",
                asset,
                f"ML compute cluster {asset.name} keeps {nodes} node(s) running when idle "
                "(minimum node count above 0)",
                evidence=evidence,
            )


def _replicas_below(rule_id: str, inventory: Inventory, minimum: int, sla: str) -> Iterator[Finding]:
    """AI Search services with fewer than ``minimum`` replicas (the provider default is 1)."""
    for asset in azure(inventory, SEARCH):
        raw = asset.properties.get("replicaCount")
        replicas = _count(raw)
        evidence = {"replicaCount": raw}
        if replicas is None:
            yield _undecided(
                rule_id, asset, f"AI Search service {asset.name}: the replica count", raw, evidence
            )
        elif replicas < minimum:
            yield finding(
                rule_id,
                asset,
                f"AI Search service {asset.name} has {replicas} replica(s), fewer than the {minimum} that "
                f"Azure's SLA for {sla} requires",
                evidence=evidence,
            )


@check("AISPM-AZURE-010")
def search_without_query_sla(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _replicas_below("AISPM-AZURE-010", inventory, 2, "queries")


@check("AISPM-AZURE-011")
def search_without_index_sla(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _replicas_below("AISPM-AZURE-011", inventory, 3, "queries and index updates")
