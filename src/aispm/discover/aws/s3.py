"""S3 buckets that hold AI data: listed once per account, then read in detail (public access
block, policy, ACL, encryption, versioning, logging) for the buckets AI resources use or whose
names say they are AI buckets."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aispm.core.model import JSON
from aispm.discover.aws.errors import classify
from aispm.discover.aws.scope import Scope, bucket_arn

_READS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("public_access_block", "get_public_access_block", "PublicAccessBlockConfiguration",
     ("NoSuchPublicAccessBlockConfiguration",)),
    ("policy", "get_bucket_policy", "Policy", ("NoSuchBucketPolicy",)),
    ("acl_grants", "get_bucket_acl", "Grants", ()),
    ("encryption", "get_bucket_encryption", "ServerSideEncryptionConfiguration",
     ("ServerSideEncryptionConfigurationNotFoundError",)),
    ("versioning", "get_bucket_versioning", "", ()),
    ("logging", "get_bucket_logging", "LoggingEnabled", ()),
)  # fmt: skip
"""(property, operation, response key ("" = whole response), error codes meaning "none")."""


def list_buckets(scope: Scope) -> None:
    """Phase 1: the account's buckets and its account-level public access block."""
    scope.facts["buckets"] = {
        str(b["Name"]): b for b in scope.paginate("list_buckets", "Buckets", page_size=1000)
    }
    scope.facts["buckets_listed"] = scope.coverage.is_complete(scope.region, scope.service)
    s3control = scope.account.client("s3control", scope.api_region)
    scope.coverage.begin(scope.region, "s3control")
    try:
        pab = s3control.get_public_access_block(AccountId=scope.account_id)
        scope.facts["account_public_access_block"] = pab.get("PublicAccessBlockConfiguration")
    except Exception as exc:
        failure = classify(exc)
        if failure.code == "NoSuchPublicAccessBlockConfiguration":
            scope.facts["account_public_access_block"] = None
        else:
            scope.coverage.fail(scope.region, "s3control", "get_public_access_block", failure)
            scope.facts["account_public_access_block"] = "unknown"


def describe_buckets(scope: Scope, names: Iterable[str], listed: dict[str, Any], account_pab: JSON) -> None:
    """Phase 2: read the named buckets in detail (also ones ``ListBuckets`` did not show)."""
    ordered = sorted(set(names))
    details = scope.each(lambda name: _read(scope, name), ordered)
    for name, (props, unread) in zip(ordered, details, strict=True):
        if unread and len(unread) == len(_READS) and name not in listed:
            continue  # not ours (or gone): leave it to the stub the links phase makes
        summary = listed.get(name, {"Name": name})
        scope.add(
            "s3:bucket",
            bucket_arn(scope.partition, name),
            name,
            {**summary, **props, "account_public_access_block": account_pab},
            region=str(summary.get("BucketRegion") or "") or None,
            unread=unread or None,
            links=False,
        )


def _read(scope: Scope, name: str) -> tuple[dict[str, JSON], list[str]]:
    props: dict[str, JSON] = {}
    unread: list[str] = []
    for prop, operation, key, missing in _READS:
        response = scope.call(operation, resource=name, missing=missing, Bucket=name)
        if response is None:
            unread.append(prop)
            props[prop] = "unknown"
            continue
        value: Any = (
            response.get(key) if key else {k: v for k, v in response.items() if k != "ResponseMetadata"}
        )
        if prop == "policy" and isinstance(value, str):
            value = json.loads(value)
        props[prop] = value if value != {} or prop == "versioning" else None
    return props, unread
