"""Who outside the account can read or write an S3 bucket (policy, ACL, public access block)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

from aispm.core.model import Asset
from aispm.posture.checks.aws_common import aws_reference, dig

_ARN_ACCOUNT = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")


class UnknownExposure(Exception):
    """The bucket's policy or ACL is not in the inventory (it could not be read)."""


def _blocked(bucket: Asset, setting: str) -> bool:
    for prop in ("public_access_block", "account_public_access_block"):
        block = bucket.properties.get(prop)
        block = dig(block, "PublicAccessBlockConfiguration") or block
        if isinstance(block, Mapping) and block.get(setting) is True:
            return True
    return False


def exposure(bucket: Asset) -> list[dict[str, Any]]:
    """Ways the bucket is public or reachable from other accounts, each ``{via, access, principal}``.

    ``access`` is ``read`` or ``write``.  Raises :class:`UnknownExposure` when the policy or the ACL
    is missing from the asset (``policy: None`` means "no policy", which is known).
    """
    props = bucket.properties
    if "policy" not in props or "acl_grants" not in props:
        raise UnknownExposure(
            "bucket policy or ACL not in the inventory" if props else "bucket details not read"
        )
    found: list[dict[str, Any]] = []
    own = str(props.get("account_id") or "")
    if not _blocked(bucket, "RestrictPublicBuckets"):
        found.extend(_policy_exposure(props.get("policy"), own))
    if not _blocked(bucket, "IgnorePublicAcls"):
        found.extend(_acl_exposure(props.get("acl_grants")))
    return found


def _policy_exposure(policy: Any, own: str) -> list[dict[str, Any]]:
    if not isinstance(policy, Mapping):
        return []
    ref = aws_reference()
    narrowing = {k.lower() for k in ref["s3_narrowing_keys"]}
    raw = policy.get("Statement")
    statements = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    out = []
    for st in statements:
        if not isinstance(st, Mapping) or str(st.get("Effect")).lower() != "allow":
            continue
        keys = {str(k).lower() for block in (st.get("Condition") or {}).values() for k in (block or {})}
        for principal in _principals(st.get("Principal")):
            account = _account(principal)
            if principal == "*":
                if keys & narrowing:
                    continue
                who = "*"
            elif account and own and account != own:
                who = principal
            else:
                continue
            for access in _accesses(st):
                out.append({"via": "policy", "access": access, "principal": who})
    return out


def _acl_exposure(grants: Any) -> list[dict[str, Any]]:
    public = set(aws_reference()["public_acl_grantees"])
    out = []
    for grant in grants if isinstance(grants, list) else []:
        uri = dig(grant, "Grantee", "URI")
        if uri not in public:
            continue
        permission = str(grant.get("Permission") or "")
        access = "write" if permission in ("WRITE", "WRITE_ACP", "FULL_CONTROL") else "read"
        out.append({"via": "acl", "access": access, "principal": str(uri).rsplit("/", 1)[-1]})
    return out


def _principals(value: Any) -> list[str]:
    if value == "*":
        return ["*"]
    if not isinstance(value, Mapping):
        return []
    aws = value.get("AWS")
    items = aws if isinstance(aws, list) else [aws] if aws is not None else []
    return [str(v) for v in items]


def _account(principal: str) -> str | None:
    if re.fullmatch(r"\d{12}", principal):
        return principal
    match = _ARN_ACCOUNT.match(principal)
    return match.group(1) if match else None


def _accesses(statement: Mapping[str, Any]) -> list[str]:
    ref = aws_reference()
    if "NotAction" in statement:
        return ["read", "write"]
    raw = statement.get("Action")
    actions = [str(a).lower() for a in (raw if isinstance(raw, list) else [raw] if raw else [])]
    out = []
    for access, catalog in (("read", ref["s3_read_actions"]), ("write", ref["s3_write_actions"])):
        if any(fnmatch.fnmatchcase(c.lower(), a) for a in actions for c in catalog):
            out.append(access)
    return out


def is_encrypted(bucket: Asset) -> bool | None:
    """Default encryption configured (SSE-S3 or SSE-KMS); None when not read."""
    if "encryption" not in bucket.properties:
        return None
    enc = bucket.properties.get("encryption")
    rules = dig(enc, "ServerSideEncryptionConfiguration", "Rules") or dig(enc, "Rules")
    if isinstance(rules, list):
        return any(dig(r, "ApplyServerSideEncryptionByDefault", "SSEAlgorithm") for r in rules)
    return bool(enc)
