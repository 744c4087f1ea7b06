"""Inventory post-processor: AI permissions on AWS identities and ``can_assume`` edges from trust.

Run once after AWS collection (and after IaC mapping, which produces the same properties)::

    annotate(inventory)

- every AWS role or user (``iam:role`` / ``iam:user``) gets the property ``ai_permissions``
  (:func:`aispm.discover.aws.iam_eval.ai_permissions`), evaluated against the buckets that AI
  workloads read or write;
- every principal a trust policy allows gets a ``can_assume`` edge to the role.  Principals that
  are not in the inventory (foreign accounts, ``*``, services, identity providers) become
  placeholder IDENTITY assets ``urn('aws', 'principal', principal)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.discover.aws.iam_eval import ai_permissions

IDENTITY_TYPES = ("iam:role", "iam:user")
_AI_KINDS = (
    AssetKind.PIPELINE,
    AssetKind.MODEL,
    AssetKind.MODEL_ENDPOINT,
    AssetKind.NOTEBOOK,
    AssetKind.AGENT,
    AssetKind.MODEL_ARTIFACT,
    AssetKind.VECTOR_STORE,
)


def ai_buckets(inventory: Inventory) -> set[str]:
    """Names of S3 buckets that AI workloads read or write (training data, artifacts, capture)."""
    names: set[str] = set()
    for bucket in inventory.of_kind(AssetKind.DATA_STORE):
        if bucket.properties.get("resource_type") != "s3:bucket":
            continue
        linked = (
            inventory.get(rel.source)
            for rel in inventory.incoming(bucket.id)
            if rel.kind in (RelationKind.READS, RelationKind.WRITES, RelationKind.STORES)
        )
        if any(a is not None and a.kind in _AI_KINDS for a in linked) or bucket.properties.get("ai_data"):
            names.add(bucket_name(bucket))
    return names


def bucket_name(bucket: Asset) -> str:
    arn = str(bucket.properties.get("arn") or "")
    return arn.removeprefix("arn:aws:s3:::") if arn.startswith("arn:aws:s3:::") else bucket.name


def aws_identities(inventory: Inventory) -> Iterator[Asset]:
    for asset in inventory.of_kind(AssetKind.IDENTITY):
        if asset.provider == "aws" and asset.properties.get("resource_type") in IDENTITY_TYPES:
            yield asset


def annotate(inventory: Inventory) -> None:
    """Add ``ai_permissions`` to AWS identities and ``can_assume`` edges (idempotent)."""
    buckets = ai_buckets(inventory)
    by_arn = {str(a.properties.get("arn")): a for a in aws_identities(inventory)}
    for identity in list(aws_identities(inventory)):
        summary = ai_permissions(identity.properties, buckets)
        # Inventory.add merges: a key the asset lacks is added, an existing one is kept.
        inventory.add(replace(identity, properties={"ai_permissions": summary}))
        for grant in summary["trust"]:
            source = _principal_asset(inventory, by_arn, grant)
            inventory.relate(
                source,
                RelationKind.CAN_ASSUME,
                identity.id,
                trust_kind=grant["kind"],
                conditional=grant["conditional"],
                external_id=grant["external_id"],
                issues=grant["issues"],
            )


def _principal_asset(inventory: Inventory, by_arn: dict[str, Asset], grant: dict[str, Any]) -> str:
    principal = str(grant["principal"])
    known = by_arn.get(principal)
    if known is not None:
        return known.id
    asset = Asset(
        id=urn("aws", "principal", principal),
        kind=AssetKind.IDENTITY,
        name=principal,
        provider="aws",
        properties={
            "resource_type": "principal",
            "principal": principal,
            "principal_type": grant["type"],
            "account_id": grant["account"],
            "trust_kind": grant["kind"],
            "wildcard": grant["kind"] == "wildcard",
            "foreign": grant["kind"] == "foreign_account",
        },
        source="aws",
    )
    return inventory.add(asset).id
