"""Shared by the AWS checks: resources by type, coverage gaps, fail / unknown findings.

AWS assets follow the contract of the AWS collector (and of the IaC mapping): properties are the
boto3 Describe*/Get* fields as returned, plus ``arn``, ``account_id``, ``region`` and
``resource_type``.  The ``aws:account`` asset carries ``coverage[region][service]``; a check whose
data comes from a service that was not read completely reports ``unknown`` there, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from aispm.core.model import JSON, Asset, AssetKind, Finding, Inventory, Location, RelationKind
from aispm.data import load_yaml
from aispm.posture.helpers import finding

GLOBAL = "global"
"""Coverage region of services read once per account (IAM, S3)."""
_NO_GAP = {"ok", "unsupported_region"}
"""Coverage states that are not gaps: ``unsupported_region`` means AWS said the service does not
exist there, so nothing there can fail a rule."""


@cache
def aws_reference() -> Mapping[str, Any]:
    """``data/aws_posture.yaml``: lists the AWS checks compare against."""
    data = load_yaml("aws_posture.yaml")
    assert isinstance(data, dict), "data/aws_posture.yaml must be a mapping"
    return data


def resources(inventory: Inventory, *resource_types: str) -> Iterator[Asset]:
    """AWS assets of the given ``resource_type`` values."""
    wanted = set(resource_types)
    for asset in inventory.of_provider("aws"):
        if asset.properties.get("resource_type") in wanted:
            yield asset


def accounts(inventory: Inventory) -> list[Asset]:
    return list(resources(inventory, "aws:account"))


def arn_of(asset: Asset) -> str:
    return str(asset.properties.get("arn") or asset.name)


def region_of(asset: Asset) -> str:
    return str(asset.properties.get("region") or "")


def location(asset: Asset) -> Location:
    return asset.location or Location(uri=arn_of(asset))


def fail(
    rule_id: str,
    asset: Asset,
    message: str,
    evidence: Mapping[str, JSON] | None = None,
    discriminator: str = "",
) -> Finding:
    """A failed AWS check on ``asset``, located at its ARN."""
    return finding(
        rule_id, asset, message, location=location(asset), evidence=evidence, discriminator=discriminator
    )


def unknown(
    rule_id: str,
    asset: Asset,
    message: str,
    evidence: Mapping[str, JSON] | None = None,
    discriminator: str = "",
) -> Finding:
    """The check could not decide on ``asset`` because data it needs is missing."""
    return replace(fail(rule_id, asset, message, evidence, discriminator), status="unknown")


def gaps(inventory: Inventory, services: Iterable[str]) -> Iterator[tuple[Asset, str, str, str]]:
    """``(account, region, service, status)`` for every service coverage that is not complete."""
    wanted = set(services)
    for account in accounts(inventory):
        coverage = account.properties.get("coverage")
        if not isinstance(coverage, Mapping):
            continue
        for region, by_service in sorted(coverage.items()):
            if not isinstance(by_service, Mapping):
                continue
            for service, status in sorted(by_service.items()):
                if service in wanted and status not in _NO_GAP:
                    yield account, str(region), str(service), str(status)


def gap_unknowns(rule_id: str, inventory: Inventory, services: Iterable[str], what: str) -> Iterator[Finding]:
    """One ``unknown`` finding per account, region and service whose coverage is incomplete."""
    for account, region, service, status in gaps(inventory, services):
        yield unknown(
            rule_id,
            account,
            f"{what} in {region} could not be assessed: reading {service} was {status}",
            {"region": region, "service": service, "coverage": status},
            discriminator=f"{region}|{service}",
        )


def gap_at(inventory: Inventory, account_id: str, region: str, services: Iterable[str]) -> str | None:
    """The coverage state of the first incomplete service of ``services`` there, else None."""
    for account, gap_region, _service, status in gaps(inventory, services):
        if account.properties.get("account_id") == account_id and gap_region == region:
            return status
    return None


def scanned_regions(inventory: Inventory, service: str) -> Iterator[tuple[Asset, str]]:
    """``(account, region)`` where ``service`` was read completely."""
    for account in accounts(inventory):
        coverage = account.properties.get("coverage")
        if not isinstance(coverage, Mapping):
            continue
        for region, by_service in sorted(coverage.items()):
            if isinstance(by_service, Mapping) and by_service.get(service) == "ok":
                yield account, str(region)


def dig(value: Any, *path: str) -> Any:
    """``value[p0][p1]...``, or None as soon as a step is missing."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def linked(inventory: Inventory, asset: Asset, kind: RelationKind, outgoing: bool = True) -> Iterator[Asset]:
    """Assets at the other end of ``asset``'s edges of ``kind``."""
    rels = inventory.outgoing(asset.id, kind) if outgoing else inventory.incoming(asset.id, kind)
    for rel in rels:
        other = inventory.get(rel.target if outgoing else rel.source)
        if other is not None:
            yield other


def role_of(inventory: Inventory, asset: Asset, role_arn: Any = None) -> Asset | None:
    """The role ``asset`` runs as: its ``runs_as`` edge, else the role whose ARN is ``role_arn``."""
    for role in linked(inventory, asset, RelationKind.RUNS_AS):
        return role
    if role_arn:
        for role in resources(inventory, "iam:role"):
            if role.properties.get("arn") == role_arn:
                return role
    return None


def is_ai_secret(secret: Asset) -> bool:
    """A secret whose provider or type is an AI service's (per ``data/posture.yaml``)."""
    from aispm.posture.helpers import reference

    provider = str(secret.properties.get("provider") or secret.provider or "").lower()
    if provider in {p.lower() for p in reference()["ai_secret_providers"]}:
        return True
    return str(secret.properties.get("secret_type") or "") in reference()["ai_secret_types"]


def secrets_in(inventory: Inventory, asset: Asset) -> list[Asset]:
    """SECRET assets the collector linked to ``asset`` with ``contains``."""
    return [a for a in linked(inventory, asset, RelationKind.CONTAINS) if a.kind is AssetKind.SECRET]


def bucket_of_uri(uri: Any) -> str | None:
    """``bucket`` of ``s3://bucket/key`` (None for anything else)."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def bucket_asset(inventory: Inventory, name: str) -> Asset | None:
    arn = f"arn:aws:s3:::{name}"
    for bucket in resources(inventory, "s3:bucket"):
        if bucket.properties.get("arn") == arn or bucket.name == name:
            return bucket
    return None


class Unknown(str):
    """A check verdict: the data needed is missing (the text says why)."""

    __slots__ = ()


def described(asset: Asset) -> bool:
    """Was the resource's detail read (a key of ``detail_markers`` is present)?"""
    markers = aws_reference()["detail_markers"].get(str(asset.properties.get("resource_type")), [])
    return not markers or any(m in asset.properties for m in markers)


def per_resource(
    rule_id: str,
    inventory: Inventory,
    resource_type: str,
    services: Iterable[str],
    what: str,
    test: Callable[[Asset], str | None],
    evidence: Callable[[Asset], Mapping[str, JSON]] | None = None,
) -> Iterator[Finding]:
    """Run ``test`` on every resource of ``resource_type``: a message fails it, an :class:`Unknown`
    makes it unknown, ``None`` passes.  Resources whose detail was not read are unknown, and so is
    every region where one of ``services`` was not read completely."""
    for asset in resources(inventory, resource_type):
        name = asset.name or arn_of(asset)
        if not described(asset):
            yield unknown(rule_id, asset, f"{what} {name}: its configuration was not read")
            continue
        verdict = test(asset)
        if verdict is None:
            continue
        shown = evidence(asset) if evidence else None
        if isinstance(verdict, Unknown):
            yield unknown(rule_id, asset, f"{what} {name}: {verdict}", shown)
        else:
            yield fail(rule_id, asset, f"{what} {name} {verdict}", shown)
    yield from gap_unknowns(rule_id, inventory, services, f"{what}s")


def needs(path: str, message: str, expected: str | bool | None = None) -> Callable[[Asset], str | None]:
    """A :func:`per_resource` test that fails with ``message`` unless the property at the dotted
    ``path`` is set, or is ``expected`` when given (a boolean by identity, a string by equality)."""
    keys = path.split(".")

    def test(asset: Asset) -> str | None:
        value = dig(asset.properties, *keys)
        if undetermined(value) and (expected is not None or not _resource_attribute(value)):
            return Unknown(f"{path} is not known before apply ({str(value)[:80]})")
        if expected is None:
            ok = bool(value)
        else:
            ok = value is expected if isinstance(expected, bool) else value == expected
        return None if ok else message

    return test


_RESOURCE_ATTRIBUTE = re.compile(r"^\$\{(?:data\.)?[a-z][a-z0-9_]*\.[\w-]+(?:\[[^\]]+\])?(?:\.[\w-]+)+\}$")


def _resource_attribute(value: Any) -> bool:
    """``${aws_kms_key.k.arn}``: set, though its value is only known after apply."""
    return isinstance(value, str) and bool(_RESOURCE_ATTRIBUTE.match(value))


def undetermined(value: Any) -> bool:
    """A value infrastructure as code leaves to apply time (``${var.x}``, ``${aws_kms_key.k.arn}``
    ...): a rule cannot pass or fail on it."""
    return isinstance(value, str) and "${" in value


def pick(asset: Asset, *keys: str) -> dict[str, JSON]:
    """Evidence: the named properties of ``asset``."""
    return {k: asset.properties.get(k) for k in keys}
