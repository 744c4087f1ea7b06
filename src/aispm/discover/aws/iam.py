"""IAM roles, users and the managed policies attached to them, from one paginated
``GetAccountAuthorizationDetails`` (plus the documents of attached AWS-managed policies)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aispm.core.model import RelationKind
from aispm.discover.aws.errors import classify
from aispm.discover.aws.scope import Scope, asset_id, plain

FILTERS = ["Role", "User", "Group", "LocalManagedPolicy"]


def collect_iam(scope: Scope) -> None:
    details: dict[str, list[Any]] = {
        "RoleDetailList": [],
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
    }
    client = scope.client()
    try:
        for page in client.get_paginator("get_account_authorization_details").paginate(
            Filter=FILTERS, PaginationConfig={"PageSize": 1000}
        ):
            for key, items in details.items():
                items.extend(page.get(key, []))
    except Exception as exc:
        scope.coverage.fail(scope.region, scope.service, "get_account_authorization_details", classify(exc))
        return
    documents = {str(p["Arn"]): _default_document(p) for p in details["Policies"]}
    local = {str(p["Arn"]): p for p in details["Policies"]}
    attached = {
        str(a["PolicyArn"])
        for kind in ("RoleDetailList", "UserDetailList", "GroupDetailList")
        for item in details[kind]
        for a in item.get("AttachedManagedPolicies", [])
    }
    aws_managed = sorted(a for a in attached if a not in documents)
    fetched = scope.each(lambda arn: _fetch_policy(scope, arn), aws_managed)
    for arn, found in zip(aws_managed, fetched, strict=True):
        if found is not None:
            local[arn], documents[arn] = found
    credentials = _service_credentials(scope)
    groups = {str(g["GroupName"]): g for g in details["GroupDetailList"]}
    profiles: dict[str, str] = {}
    for role in details["RoleDetailList"]:
        _identity(scope, "iam:role", role, "RolePolicyList", documents)
        for profile in role.get("InstanceProfileList", []):
            profiles[str(profile["Arn"])] = str(role["Arn"])
    for user in details["UserDetailList"]:
        member_of = [groups[g] for g in user.get("GroupList", []) if g in groups]
        keys = None if credentials is None else credentials.get(str(user["UserName"]), [])
        _identity(scope, "iam:user", user, "UserPolicyList", documents, member_of, keys)
    for arn in sorted(attached):
        policy = local.get(arn)
        if policy is not None:
            _policy(scope, policy, documents.get(arn))
    scope.facts["instance_profiles"] = profiles


def _identity(
    scope: Scope,
    resource_type: str,
    item: Mapping[str, Any],
    inline_key: str,
    documents: Mapping[str, Any],
    groups: list[Mapping[str, Any]] | None = None,
    credentials: list[Any] | None = None,
) -> None:
    fields = {k: v for k, v in item.items() if k != inline_key}
    normalised: dict[str, Any] = {
        "attached_policies": _attached(item, documents),
        "inline_policies": _inline(item.get(inline_key, [])),
    }
    if groups is not None:
        normalised["groups"] = [
            {
                "GroupName": g["GroupName"],
                "Arn": g.get("Arn"),
                "attached_policies": _attached(g, documents),
                "inline_policies": _inline(g.get("GroupPolicyList", [])),
            }
            for g in groups
        ]
    if credentials is not None:
        normalised["service_specific_credentials"] = credentials
    name = "RoleName" if resource_type == "iam:role" else "UserName"
    asset = scope.add(resource_type, str(item["Arn"]), str(item[name]), fields, links=False, **normalised)
    for policy in item.get("AttachedManagedPolicies", []):
        scope.out.relate(asset_id("iam:policy", str(policy["PolicyArn"])), RelationKind.ATTACHED_TO, asset.id)
    for group in groups or ():
        for policy in group.get("AttachedManagedPolicies", []):
            scope.out.relate(
                asset_id("iam:policy", str(policy["PolicyArn"])),
                RelationKind.ATTACHED_TO,
                asset.id,
                via_group=str(group["GroupName"]),
            )


def _service_credentials(scope: Scope) -> dict[str, list[Any]] | None:
    """Service-specific credentials (Bedrock API keys, CodeCommit and Keyspaces passwords) by user
    name, from one ``ListServiceSpecificCredentials(AllUsers=True)``; ``None`` when not read."""
    found = scope.paginate_all(
        "list_service_specific_credentials", "ServiceSpecificCredentials", AllUsers=True
    )
    if found is None:
        return None
    by_user: dict[str, list[Any]] = {}
    for credential in found:
        by_user.setdefault(str(credential.get("UserName")), []).append(plain(credential))
    return by_user


def _attached(item: Mapping[str, Any], documents: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "PolicyArn": a["PolicyArn"],
            "PolicyName": a.get("PolicyName"),
            "document": documents.get(a["PolicyArn"]),
        }
        for a in item.get("AttachedManagedPolicies", [])
    ]


def _inline(policies: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"PolicyName": p.get("PolicyName"), "document": p.get("PolicyDocument")} for p in policies]


def _default_document(policy: Mapping[str, Any]) -> Any:
    for version in policy.get("PolicyVersionList", []):
        if version.get("IsDefaultVersion"):
            return version.get("Document")
    return None


def _fetch_policy(scope: Scope, arn: str) -> tuple[dict[str, Any], Any] | None:
    response = scope.call("get_policy", resource=arn, PolicyArn=arn)
    if response is None:
        return None
    policy = dict(response.get("Policy") or {})
    version = scope.call(
        "get_policy_version", resource=arn, PolicyArn=arn, VersionId=policy.get("DefaultVersionId", "v1")
    )
    if version is None:
        return policy, None
    return policy, (version.get("PolicyVersion") or {}).get("Document")


def _policy(scope: Scope, policy: Mapping[str, Any], document: Any) -> None:
    fields = {k: v for k, v in policy.items() if k != "PolicyVersionList"}
    arn = str(policy["Arn"])
    scope.add(
        "iam:policy",
        arn,
        str(policy.get("PolicyName") or arn.rsplit("/", 1)[-1]),
        fields,
        document=document,
        aws_managed=arn.split(":")[4] == "aws",
        links=False,
    )
