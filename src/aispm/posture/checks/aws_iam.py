"""AWS IAM around AI: over-broad AI permissions, trust, PassRole, Bedrock API keys, agent roles.

The permission checks read ``ai_permissions``, which :func:`aispm.discover.aws.iam_eval.annotate`
adds to every AWS role and user; an identity with policies but without it is reported unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from aispm.core.model import Asset, Finding, Inventory, RelationKind
from aispm.posture.checks.aws_common import (
    GLOBAL,
    accounts,
    arn_of,
    aws_reference,
    fail,
    gap_unknowns,
    linked,
    resources,
    role_of,
    unknown,
)
from aispm.posture.policy import Policy
from aispm.posture.registry import check

IAM = ("iam",)
IDENTITIES = ("iam:role", "iam:user")
_AI_WORKLOADS = (
    "sagemaker:notebook-instance",
    "sagemaker:model",
    "sagemaker:training-job",
    "sagemaker:processing-job",
    "sagemaker:transform-job",
    "sagemaker:domain",
    "sagemaker:user-profile",
    "bedrock:agent",
    "bedrock:knowledge-base",
    "bedrock:custom-model",
    "lambda:function",
)


def _perms(identity: Asset) -> dict[str, Any] | None:
    value = identity.properties.get("ai_permissions")
    return value if isinstance(value, dict) else None


def _has_policies(identity: Asset) -> bool:
    return any(identity.properties.get(k) for k in ("attached_policies", "inline_policies"))


def _managed_full_access(identity: Asset) -> list[str]:
    listed = set(aws_reference()["full_access_policies"])
    out = []
    for policy in identity.properties.get("attached_policies") or []:
        arn = str(policy.get("PolicyArn") or "") if isinstance(policy, dict) else ""
        if arn in listed:
            out.append(arn)
    return out


@check("AISPM-AWS-030")
def agent_role_least_privilege(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for agent in resources(inventory, "bedrock:agent"):
        role = role_of(inventory, agent, agent.properties.get("agentResourceRoleArn"))
        if role is None:
            yield unknown(
                "AISPM-AWS-030", agent, f"agent {agent.name}: its execution role is not in the inventory"
            )
            continue
        problems = []
        managed = [
            str(p.get("PolicyArn"))
            for p in role.properties.get("attached_policies") or []
            if isinstance(p, dict)
            and str(p.get("PolicyArn") or "").startswith("arn:aws:iam::aws:policy/")
            and str(p.get("PolicyArn")).endswith(("FullAccess", "AdministratorAccess"))
        ]
        if managed:
            problems.append(f"AWS-managed {', '.join(managed)} attached")
        perms = _perms(role)
        if perms and perms.get("admin"):
            problems.append("administrator access (* on *)")
        if perms and any(w.get("wide") for w in perms.get("service_wildcards") or []):
            problems.append("every Bedrock or SageMaker action on every resource")
        if not role.properties.get("PermissionsBoundary"):
            problems.append("no permissions boundary")
        if problems:
            yield fail(
                "AISPM-AWS-030",
                agent,
                f"agent {agent.name} runs as {role.name} with {'; '.join(problems)}",
                {"role": arn_of(role), "problems": problems},
            )
    yield from gap_unknowns("AISPM-AWS-030", inventory, IAM, "Bedrock agent role privileges")


@check("AISPM-AWS-031")
def full_access_policy_attached(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for identity in resources(inventory, *IDENTITIES):
        kind = identity.properties.get("resource_type")
        for arn in _managed_full_access(identity):
            yield fail(
                "AISPM-AWS-031",
                identity,
                f"{kind} {identity.name} has {arn.rsplit('/', 1)[-1]} attached",
                {"policy": arn},
                discriminator=arn,
            )
    yield from gap_unknowns("AISPM-AWS-031", inventory, IAM, "IAM policy attachments")


def _bedrock_keys(user: Asset) -> list[dict[str, Any]] | None:
    creds = user.properties.get("service_specific_credentials")
    if creds is None:
        return None
    return [
        c
        for c in creds
        if isinstance(c, dict)
        and c.get("ServiceName") == "bedrock.amazonaws.com"
        and c.get("Status") == "Active"
    ]


def _keys_unknown(rule_id: str, inventory: Inventory) -> Iterator[Finding]:
    users = list(resources(inventory, "iam:user"))
    if any(_bedrock_keys(u) is None for u in users):
        for account in accounts(inventory):
            yield unknown(
                rule_id,
                account,
                "service-specific credentials (Bedrock API keys) of IAM users were not inventoried",
                discriminator=GLOBAL,
            )
    yield from gap_unknowns(rule_id, inventory, IAM, "Bedrock API keys")


@check("AISPM-AWS-037")
def api_key_admin(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for user in resources(inventory, "iam:user"):
        keys = _bedrock_keys(user)
        if not keys:
            continue
        perms = _perms(user) or {}
        why = [f"{a.rsplit('/', 1)[-1]} attached" for a in _managed_full_access(user)]
        if perms.get("admin"):
            why.append("administrator access")
        why += [
            f"{w['service']}:* on {w['resource']}"
            for w in perms.get("service_wildcards") or []
            if w.get("wide")
        ]
        if why:
            yield fail(
                "AISPM-AWS-037",
                user,
                f"IAM user {user.name} holds {len(keys)} active Bedrock API key(s) and {'; '.join(why)}",
                {"keys": [k.get("ServiceSpecificCredentialId") for k in keys], "why": why},
            )
    yield from _keys_unknown("AISPM-AWS-037", inventory)


@check("AISPM-AWS-038")
def api_key_long_term(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    now = datetime.now(UTC)
    for user in resources(inventory, "iam:user"):
        for key in _bedrock_keys(user) or []:
            expires = _date(key.get("ExpirationDate"))
            if expires is not None and expires <= now:
                continue
            key_id = str(key.get("ServiceSpecificCredentialId") or "?")
            yield fail(
                "AISPM-AWS-038",
                user,
                f"IAM user {user.name} has an active long-term Bedrock API key {key_id}"
                + (f" valid until {expires:%Y-%m-%d}" if expires else " that never expires"),
                {"key": key_id, "expires": key.get("ExpirationDate")},
                discriminator=key_id,
            )
    yield from _keys_unknown("AISPM-AWS-038", inventory)


def _date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _not_evaluated(rule_id: str, identity: Asset) -> Finding:
    return unknown(
        rule_id,
        identity,
        f"{identity.name}: its policies were not evaluated (ai_permissions missing; run the IAM annotator)",
    )


@check("AISPM-AWS-040")
def broad_ai_permissions(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for identity in resources(inventory, *IDENTITIES):
        perms = _perms(identity)
        if perms is None:
            if _has_policies(identity):
                yield _not_evaluated("AISPM-AWS-040", identity)
            continue
        grants = [f"{w['service']}:* on {w['resource']}" for w in perms.get("service_wildcards") or []]
        for category in ("modify", "invoke"):
            wide = sorted({str(e["action"]) for e in perms.get(category) or [] if e.get("wide")})
            if wide:
                grants.append(f"{len(wide)} {category} action(s) on every resource ({', '.join(wide[:4])}…)")
        if grants:
            conditional = all(
                e.get("decision") == "conditional"
                for c in ("service_wildcards", "modify", "invoke")
                for e in perms.get(c) or []
            )
            yield fail(
                "AISPM-AWS-040",
                identity,
                f"{identity.properties.get('resource_type')} {identity.name} may use "
                + "; ".join(grants)
                + (" (under conditions)" if conditional else ""),
                {"grants": grants, "conditional": conditional},
            )
    yield from gap_unknowns("AISPM-AWS-040", inventory, IAM, "IAM permissions")


def _runs_ai(inventory: Inventory, role: Asset) -> list[str]:
    users = []
    for other in linked(inventory, role, RelationKind.RUNS_AS, outgoing=False):
        if other.properties.get("resource_type") in _AI_WORKLOADS:
            users.append(other.name)
    return users


@check("AISPM-AWS-041")
def role_trust_too_wide(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for role in resources(inventory, "iam:role"):
        perms = _perms(role)
        if perms is None:
            if role.properties.get("AssumeRolePolicyDocument") is not None:
                yield _not_evaluated("AISPM-AWS-041", role)
            continue
        ai_role = bool(_runs_ai(inventory, role)) or any(
            perms.get(c) for c in ("invoke", "modify", "read_data", "write_data", "service_wildcards")
        )
        if not ai_role:
            continue
        for grant in perms.get("trust") or []:
            for issue in grant.get("issues") or []:
                yield fail(
                    "AISPM-AWS-041",
                    role,
                    f"role {role.name}, which has AI permissions or runs AI workloads: {issue}",
                    {"principal": grant.get("principal"), "kind": grant.get("kind"), "via": grant.get("via")},
                    discriminator=str(grant.get("principal")),
                )
    yield from gap_unknowns("AISPM-AWS-041", inventory, IAM, "IAM trust policies")


@check("AISPM-AWS-042")
def pass_role_to_ai(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for identity in resources(inventory, *IDENTITIES):
        perms = _perms(identity)
        if perms is None:
            if _has_policies(identity):
                yield _not_evaluated("AISPM-AWS-042", identity)
            continue
        wide = [p for p in perms.get("pass_role") or [] if p.get("wide")]
        if not wide:
            continue
        services = sorted({s for p in wide for s in p.get("services") or []})
        creates = sorted(
            {str(e["action"]) for e in perms.get("modify") or [] if "Create" in str(e["action"])}
        )
        yield fail(
            "AISPM-AWS-042",
            identity,
            f"{identity.name} may pass any role to {', '.join(services)}"
            + (f" and can create AI resources ({', '.join(creates[:3])}…)" if creates else ""),
            {"pass_role": wide, "create_actions": creates},
        )
    yield from gap_unknowns("AISPM-AWS-042", inventory, IAM, "IAM PassRole permissions")
