"""EC2 instances with accelerators (GPU, Inferentia, Trainium), their IMDS settings and security
groups."""

from __future__ import annotations

from typing import Any

from aispm.core.model import RelationKind
from aispm.discover.aws.catalog import aws_catalog
from aispm.discover.aws.scope import Scope, asset_id


def collect_ec2(scope: Scope) -> None:
    _vpc_endpoints(scope)
    # filtered here, not with an instance-type filter: wildcard filters are not supported everywhere
    prefixes = aws_catalog().accelerated_prefixes
    reservations = scope.paginate("describe_instances", "Reservations", page_size=1000)
    instances = [
        i
        for r in reservations
        for i in r.get("Instances", [])
        if str(i.get("InstanceType", "")).startswith(prefixes)
    ]
    group_ids = sorted({g["GroupId"] for i in instances for g in i.get("SecurityGroups", [])})
    groups: list[Any] = []
    if group_ids:
        groups = scope.paginate("describe_security_groups", "SecurityGroups", GroupIds=group_ids)
    group_assets = {}
    for group in groups:
        arn = scope.arn("ec2", f"security-group/{group['GroupId']}")
        open_ports = _open_to_world(group)
        group_assets[group["GroupId"]] = scope.add(
            "ec2:security-group",
            arn,
            f"{group.get('GroupName')} ({group['GroupId']})",
            group,
            open_to_internet=open_ports,
            links=False,
        ).id
    for instance in instances:
        arn = scope.arn("ec2", f"instance/{instance['InstanceId']}")
        metadata = instance.get("MetadataOptions") or {}
        name = next(
            (t["Value"] for t in instance.get("Tags", []) if t.get("Key") == "Name"), instance["InstanceId"]
        )
        asset = scope.add(
            "ec2:instance",
            arn,
            str(name),
            instance,
            imds_v1_enabled=metadata.get("HttpTokens", "optional") != "required"
            and metadata.get("HttpEndpoint", "enabled") != "disabled",
            public_ip=instance.get("PublicIpAddress"),
            instance_profile_arn=(instance.get("IamInstanceProfile") or {}).get("Arn"),
            links=False,
        )
        for group in instance.get("SecurityGroups", []):
            gid = group_assets.get(group["GroupId"]) or asset_id(
                "ec2:security-group", scope.arn("ec2", f"security-group/{group['GroupId']}")
            )
            scope.out.relate(gid, RelationKind.ATTACHED_TO, asset.id)


def _open_to_world(group: dict[str, Any]) -> list[str]:
    """``"tcp:22"``-style entries of ingress rules open to 0.0.0.0/0 or ::/0."""
    found = []
    for perm in group.get("IpPermissions", []):
        world = any(r.get("CidrIp") == "0.0.0.0/0" for r in perm.get("IpRanges", [])) or any(
            r.get("CidrIpv6") == "::/0" for r in perm.get("Ipv6Ranges", [])
        )
        if world:
            proto = perm.get("IpProtocol", "-1")
            ports = "all" if proto == "-1" else f"{perm.get('FromPort')}-{perm.get('ToPort')}"
            found.append(f"{proto}:{ports}")
    return found


def _vpc_endpoints(scope: Scope) -> None:
    """``facts["vpc_endpoints"]``: service names of the region's VPC endpoints to AI services
    (SageMaker, Bedrock), set only when ``DescribeVpcEndpoints`` was read in full."""
    endpoints = scope.paginate_all("describe_vpc_endpoints", "VpcEndpoints", page_size=1000)
    if endpoints is None:
        return
    words = aws_catalog().vpc_endpoint_services
    scope.facts["vpc_endpoints"] = sorted(
        {
            str(e["ServiceName"])
            for e in endpoints
            if e.get("ServiceName")
            and str(e.get("State", "available")).lower() not in ("deleted", "deleting", "failed", "rejected")
            and any(f".{w}" in str(e["ServiceName"]) for w in words)
        }
    )
