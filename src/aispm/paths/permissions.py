"""Edges of effective IAM permissions, from each identity's ``ai_permissions`` summary.

``can_read`` / ``can_write`` to buckets (``read_data`` / ``write_data``), ``can_invoke`` /
``can_modify`` to AI resources whose ARN a granted Resource pattern matches (``invoke`` /
``modify``), ``can_pass_role`` to roles (``pass_role``).  Conditional grants are marked
``conditional`` and count as harder steps.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aispm.core.model import AssetKind
from aispm.paths.graph import AttackGraph

_SERVICES = {"sagemaker", "bedrock", "lambda"}


def add_permission_edges(ag: AttackGraph) -> None:
    """Add permission edges for every identity that has ``ai_permissions``."""
    if not any(isinstance(a.properties.get("ai_permissions"), dict) for a in ag.assets):
        return  # no IAM in this scan (and no need to load the AWS policy matcher)
    from aispm.discover.aws.iam_policy import resource_matches

    buckets: dict[str, int] = {}
    by_service: dict[str, list[tuple[str, int]]] = defaultdict(list)
    roles: list[tuple[str, int]] = []
    for i, asset in enumerate(ag.assets):
        arn = str(asset.properties.get("arn") or "")
        rtype = str(asset.properties.get("resource_type") or "")
        if rtype == "s3:bucket" and arn.startswith("arn:aws:s3:::"):
            buckets[arn.removeprefix("arn:aws:s3:::")] = i
        elif rtype == "iam:role" and arn:
            roles.append((arn, i))
        elif arn.startswith("arn:") and asset.kind != AssetKind.IDENTITY:
            parts = arn.split(":", 5)
            if len(parts) == 6 and parts[2] in _SERVICES:
                by_service[parts[2]].append((arn, i))
    for i, asset in enumerate(ag.assets):
        perms = asset.properties.get("ai_permissions")
        if not isinstance(perms, dict):
            continue
        _bucket_edges(ag, i, perms, buckets)
        for section, kind in (("invoke", "can_invoke"), ("modify", "can_modify")):
            for grant in perms.get(section) or ():
                _resource_edges(ag, i, kind, grant, by_service)
        for grant in perms.get("pass_role") or ():
            for arn, node in roles:
                if resource_matches(str(grant.get("resource")), arn):
                    ag.add_edge(i, "can_pass_role", node, **_attrs(grant, "iam:PassRole"))


def _attrs(grant: dict[str, Any], action: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {"via": action}
    if grant.get("decision") == "conditional":
        attrs["conditional"] = True
    return attrs


def _bucket_edges(ag: AttackGraph, node: int, perms: dict[str, Any], buckets: dict[str, int]) -> None:
    for section, kind in (("read_data", "can_read"), ("write_data", "can_write")):
        for grant in perms.get(section) or ():
            target = buckets.get(str(grant.get("bucket")))
            if target is not None:
                ag.add_edge(node, kind, target, **_attrs(grant, str(grant.get("action"))))


def _resource_edges(
    ag: AttackGraph, node: int, kind: str, grant: dict[str, Any], by_service: dict[str, list[tuple[str, int]]]
) -> None:
    from aispm.discover.aws.iam_policy import action_matches, resource_matches

    action = str(grant.get("action") or "")
    service = action.split(":", 1)[0]
    pattern = str(grant.get("resource") or "")
    for svc, resources in by_service.items():
        if not action_matches(service, svc):
            continue
        for arn, target in resources:
            if pattern == "*" or resource_matches(pattern, arn):
                ag.add_edge(node, kind, target, **_attrs(grant, action))
