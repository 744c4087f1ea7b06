"""Declared resources of one Terraform module or template → assets and relationships.

AI resources are always kept; supporting resources (buckets, roles, policies, keys) only when an
AI resource refers to them, or, for roles, when an AI service may assume them.  IAM attachments
are folded into the role they attach to (``attached_policies`` / ``inline_policies``, the shape
the live collector gives) and into ``attached_to`` edges.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, Inventory, Location, RelationKind
from aispm.discover.iac.resource import IacResource
from aispm.discover.iac.translate import TypeSpec, live_key, snake, spec_for, translate, unresolved

AI_PRINCIPALS = ("sagemaker.amazonaws.com", "bedrock.amazonaws.com")
"""Service principals whose roles are AI roles even when no declared AI resource uses them."""

_ROLE_ATTACH = {"aws_iam_role_policy_attachment", "aws_iam_policy_attachment"}
_ROLE_INLINE = {"aws_iam_role_policy", "awscc_iam_role_policy", "AWS::IAM::RolePolicy"}
_CFN_POLICY = {"AWS::IAM::Policy"}
_BUCKET_PARTS = {
    "aws_s3_bucket_public_access_block": "PublicAccessBlockConfiguration",
    "aws_s3_bucket_server_side_encryption_configuration": "ServerSideEncryptionConfiguration",
    "aws_s3_bucket_versioning": "VersioningConfiguration",
    "aws_s3_bucket_policy": "Policy",
    "aws_s3_bucket_acl": "AclResource",
}
_ACL_GROUPS = "http://acs.amazonaws.com/groups/"
_CANNED_ACLS: dict[str, list[tuple[str, str]]] = {
    "private": [],
    "bucket-owner-read": [],
    "bucket-owner-full-control": [],
    "aws-exec-read": [],
    "log-delivery-write": [("s3/LogDelivery", "WRITE"), ("s3/LogDelivery", "READ_ACP")],
    "public-read": [("global/AllUsers", "READ")],
    "public-read-write": [("global/AllUsers", "READ"), ("global/AllUsers", "WRITE")],
    "authenticated-read": [("global/AuthenticatedUsers", "READ")],
}
"""Group grants of S3's canned ACLs (besides the owner's), as GetBucketAcl returns them."""


def emit(resources: Sequence[IacResource], out: Inventory, file_asset: Callable[[str], str | None]) -> int:
    """Add the assets of one module or template to ``out``; returns how many were added.

    ``file_asset(path)`` adds the asset of an IaC file and returns its id (for ``deploys`` edges).
    """
    by_local = {_local(r): r for r in resources}
    props: dict[str, dict[str, JSON]] = {}
    specs: dict[str, TypeSpec] = {}
    for res in resources:
        spec = spec_for(res.type)
        if spec is None:
            continue
        translated = translate(spec, res.attrs)
        if spec.kinds_only and translated.get("kind") not in spec.kinds_only:
            continue
        specs[_local(res)] = spec
        props[_local(res)] = translated
    edges: list[tuple[str, RelationKind, str]] = []
    _fold_iam(resources, by_local, props, specs, edges)
    _fold_buckets(resources, props)
    for local, spec in specs.items():
        if spec.resource_type == "s3:bucket":
            _live_bucket(props[local])
    _fold_merges(resources, by_local, props, specs)
    for res in resources:
        local = _local(res)
        spec = specs.get(local)
        if spec is None:
            continue
        for key, kind in spec.links.items():
            for target in _targets(res, spec, key, by_local):
                edges.append((local, kind, target))
        for key, kind in spec.reverse_links.items():
            for target in _targets(res, spec, key, by_local):
                edges.append((target, kind, local))
    kept = _select(specs, props, edges)
    ids = {local: _asset_id(specs[local], by_local[local]) for local in kept}
    final, out = out, Inventory()  # this module's assets, annotated before they join the scan
    for local in kept:
        res, spec = by_local[local], specs[local]
        properties = dict(props[local])
        properties["resource_type"] = spec.resource_type
        properties["iac"] = {
            "file": res.file,
            "line": res.line,
            "address": res.address,
            "engine": res.engine,
            "type": res.type,
        }
        if not res.expanded:
            properties["iac"]["expanded"] = False
        out.add(
            Asset(
                id=ids[local],
                kind=spec.kind,
                name=_name(spec, res),
                provider=spec.provider,
                location=Location(path=res.file, line=res.line),
                properties=properties,
                tags=("iac", res.engine),
                source="iac",
            )
        )
        file_id = file_asset(res.file)
        if file_id:
            out.relate(file_id, RelationKind.DEPLOYS, ids[local])
    for source, kind, target in edges:
        if source in ids and target in ids and source != target:
            out.relate(ids[source], kind, ids[target])
    if any(spec.resource_type == "iam:role" for spec in (specs[k] for k in kept)):
        from aispm.discover.aws.iam_annotate import annotate

        annotate(out)  # ai_permissions and can_assume, as for live roles
    final.extend(out)
    return len(kept)


def _local(res: IacResource) -> str:
    return f"{res.module}{res.type}.{res.name}" if res.engine.startswith("terraform") else res.name


def _asset_id(spec: TypeSpec, res: IacResource) -> str:
    return urn(spec.provider, spec.resource_type, res.address)


def _name(spec: TypeSpec, res: IacResource) -> str:
    for key in spec.name:
        value = res.attrs.get(key, res.attrs.get(snake(key)))
        if isinstance(value, str) and value and not unresolved(value):
            return value
    return res.name


def _targets(res: IacResource, spec: TypeSpec, live: str, by_local: dict[str, IacResource]) -> list[str]:
    """Local names of the resources the attribute behind live key ``live`` refers to."""
    top = live.split(".")[0]
    attrs = [k for k in res.attrs if live_key(spec, k) == top]
    return [t for t in res.ref_targets(*attrs) if t in by_local] if attrs else []


def _select(
    specs: dict[str, TypeSpec], props: dict[str, dict[str, JSON]], edges: list[tuple[str, RelationKind, str]]
) -> list[str]:
    kept = {local for local, spec in specs.items() if not spec.support}
    for local, spec in specs.items():
        if spec.resource_type == "iam:role" and _trusts_ai(props[local].get("AssumeRolePolicyDocument")):
            kept.add(local)
    changed = True
    while changed:  # keep what kept resources use, and policies attached to kept roles
        changed = False
        for source, kind, target in edges:
            if source in kept and target not in kept and target in specs:
                kept.add(target)
                changed = True
            if kind == RelationKind.ATTACHED_TO and target in kept and source not in kept and source in specs:
                kept.add(source)
                changed = True
    return [local for local in specs if local in kept]


def _trusts_ai(document: JSON) -> bool:
    text = json.dumps(document) if not isinstance(document, str) else document
    return any(p in text for p in AI_PRINCIPALS)


# ---- IAM ----------------------------------------------------------------------------------------


def _policy_doc(value: JSON) -> JSON:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _managed_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def _fold_iam(
    resources: Sequence[IacResource],
    by_local: dict[str, IacResource],
    props: dict[str, dict[str, JSON]],
    specs: dict[str, TypeSpec],
    edges: list[tuple[str, RelationKind, str]],
) -> None:
    for res in resources:
        local = _local(res)
        if specs.get(local) is not None and specs[local].resource_type == "iam:role":
            role_props = props[local]
            attached: list[dict[str, JSON]] = []
            inline: list[dict[str, JSON]] = []
            for arn in _as_list(res.attrs.get("managed_policy_arns") or res.attrs.get("ManagedPolicyArns")):
                attached.append(_attachment(arn, res, by_local, props))
            for item in _as_list(res.attrs.get("policies")):  # awscc_iam_role
                if isinstance(item, dict):
                    inline.append(
                        {
                            "PolicyName": item.get("policy_name"),
                            "document": _policy_doc(item.get("policy_document")),
                        }
                    )
            for block in _as_list(res.attrs.get("inline_policy")):
                if isinstance(block, dict):
                    inline.append(
                        {"PolicyName": block.get("name"), "document": _policy_doc(block.get("policy"))}
                    )
            for item in _as_list(res.attrs.get("Policies")):
                if isinstance(item, dict):
                    inline.append(
                        {
                            "PolicyName": item.get("PolicyName"),
                            "document": _policy_doc(item.get("PolicyDocument")),
                        }
                    )
            for key in ("ManagedPolicyArns", "Policies", "InlinePolicy", "ManagedPolicyArn"):
                role_props.pop(key, None)
            role_props["attached_policies"] = attached
            role_props["inline_policies"] = inline
            for target in res.ref_targets("managed_policy_arns", "ManagedPolicyArns"):
                if target in specs:
                    edges.append((target, RelationKind.ATTACHED_TO, local))
    for res in resources:
        roles = _role_targets(res, by_local, specs)
        if res.type in _ROLE_ATTACH:
            arn = res.attrs.get("policy_arn")
            for role in roles:
                _as_role_list(props[role], "attached_policies").append(_attachment(arn, res, by_local, props))
                for target in res.ref_targets("policy_arn"):
                    if target in specs:
                        edges.append((target, RelationKind.ATTACHED_TO, role))
        elif res.type in _ROLE_INLINE or res.type in _CFN_POLICY:
            doc = _policy_doc(
                res.attrs.get("policy") or res.attrs.get("PolicyDocument") or res.attrs.get("policy_document")
            )
            name = (
                res.attrs.get("name")
                or res.attrs.get("PolicyName")
                or res.attrs.get("policy_name")
                or res.name
            )
            for role in roles:
                _as_role_list(props[role], "inline_policies").append({"PolicyName": name, "document": doc})
        elif specs.get(_local(res)) is not None and specs[_local(res)].resource_type == "iam:policy":
            for role in roles:  # AWS::IAM::ManagedPolicy Roles
                _as_role_list(props[role], "attached_policies").append(
                    _attachment(f"${{{_local(res)}}}", res, by_local, props, local=_local(res))
                )
                edges.append((_local(res), RelationKind.ATTACHED_TO, role))


def _role_targets(
    res: IacResource, by_local: dict[str, IacResource], specs: dict[str, TypeSpec]
) -> list[str]:
    keys = ("role", "roles", "Roles", "RoleName", "role_name")
    out = []
    for target in res.ref_targets(*keys):
        spec = specs.get(target)
        if spec is not None and spec.resource_type == "iam:role":
            out.append(target)
    if not out:  # roles named by a literal name
        names = {str(v) for k in keys for v in _as_list(res.attrs.get(k))}
        for local, spec in specs.items():
            if spec.resource_type == "iam:role":
                attrs = by_local[local].attrs
                rname = attrs.get("name") or attrs.get("RoleName") or attrs.get("role_name")
                if rname in names:
                    out.append(local)
    return out


def _attachment(
    arn: JSON,
    res: IacResource,
    by_local: dict[str, IacResource],
    props: dict[str, dict[str, JSON]],
    local: str | None = None,
) -> dict[str, JSON]:
    target = local
    if target is None:
        refs = [
            t for t in res.ref_targets("policy_arn", "managed_policy_arns", "ManagedPolicyArns") if t in props
        ]
        target = next((t for t in refs if isinstance(arn, str) and t.split(".")[-1] in arn), None)
        target = target or (refs[0] if len(refs) == 1 else None)
    if target is not None and target in props:
        policy = props[target]
        return {
            "PolicyArn": arn if not unresolved(arn) else None,
            "PolicyName": policy.get("PolicyName") or by_local[target].name,
            "document": policy.get("document"),
        }
    text = str(arn)
    return {"PolicyArn": text, "PolicyName": _managed_name(text), "document": None}


def _as_role_list(role: dict[str, JSON], key: str) -> list[Any]:
    value = role.setdefault(key, [])
    assert isinstance(value, list)
    return value


def _as_list(value: JSON) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---- S3 bucket settings declared as separate resources -------------------------------------------


def _fold_buckets(resources: Sequence[IacResource], props: dict[str, dict[str, JSON]]) -> None:
    for res in resources:
        key = _BUCKET_PARTS.get(res.type)
        if key is None:
            continue
        for target in res.ref_targets("bucket"):
            bucket = props.get(target)
            if bucket is None:
                continue
            attrs = {k: v for k, v in res.attrs.items() if k != "bucket"}
            spec = spec_for("aws_s3_bucket")
            assert spec is not None
            value = translate(spec, attrs)
            bucket[key] = _policy_doc(value.get("Policy")) if key == "Policy" else value


def _live_bucket(bucket: dict[str, JSON]) -> None:
    """The bucket's public access block, policy and ACL under the live collector's names, as far as
    the configuration declares them (no policy resource: no policy; no ACL: private); values
    known only after apply leave the property out (the exposure rules then report unknown)."""
    block = bucket.get("PublicAccessBlockConfiguration")
    bucket.setdefault("public_access_block", block if isinstance(block, dict) else None)
    policy = _policy_doc(bucket.get("Policy"))
    if not (isinstance(policy, str) and unresolved(policy)):
        bucket.setdefault("policy", policy if isinstance(policy, dict) else None)
    acl_resource = bucket.get("AclResource")
    canned = acl_resource.get("Acl") if isinstance(acl_resource, dict) else None
    canned = canned or bucket.get("AccessControl") or bucket.get("Acl") or "private"
    if isinstance(acl_resource, dict) and acl_resource.get("AccessControlPolicy"):
        return  # explicit grants: not modelled
    text = _CANNED_ACLS.get(str(canned).lower().replace("_", "-")) if isinstance(canned, str) else None
    if text is None and isinstance(canned, str) and canned[:1].isupper():  # CFN: PublicRead ...
        text = _CANNED_ACLS.get(re.sub(r"(?<!^)([A-Z])", r"-\1", canned).lower())
    if text is not None:
        bucket.setdefault(
            "acl_grants",
            [
                {"Grantee": {"Type": "Group", "URI": _ACL_GROUPS + uri}, "Permission": perm}
                for uri, perm in text
            ],
        )


def _fold_merges(
    resources: Sequence[IacResource],
    by_local: dict[str, IacResource],
    props: dict[str, dict[str, JSON]],
    specs: dict[str, TypeSpec],
) -> None:
    for res in resources:
        spec = spec_for(res.type)
        if spec is None or not spec.merge_into:
            continue
        for attr, values in spec.merge_into.items():
            snake = "".join("_" + c.lower() if c.isupper() else c for c in attr)
            for target in res.ref_targets(snake, attr):
                if target in props:
                    props[target].update(values)
