"""The work context of one (account, region, service) task: guarded API calls, pagination, fan-out
of per-resource reads, and building assets in the shape of docs/aws-assets.md."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, Inventory, Location, RelationKind
from aispm.discover.aws.catalog import GLOBAL, aws_catalog
from aispm.discover.aws.coverage import Coverage
from aispm.discover.aws.errors import classify
from aispm.discover.aws.secrets import scrub, secret_asset
from aispm.discover.aws.session import Account

SOURCE = "aws"
T = TypeVar("T")
R = TypeVar("R")

_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/|$)")
_S3_ARN = re.compile(r"^arn:aws[a-z\-]*:s3:::([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/|$)")
_WRITE_WORDS = ("output", "datacapture", "destination", "checkpoint", "artifacts", "logging", "log")


def asset_id(resource_type: str, arn: str) -> str:
    """The id of every AWS resource: ``urn('aws', resource_type, arn)``."""
    return urn("aws", resource_type, arn)


def role_id(role_arn: str) -> str:
    return asset_id("iam:role", role_arn)


def bucket_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:s3:::{name}"


def plain(value: Any) -> JSON:
    """A boto3 response as JSON values: datetimes as ISO strings, bytes as base64, no metadata."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def s3_references(value: JSON, path: str = "") -> Iterable[tuple[str, str, bool]]:
    """``(bucket, field path, writes)`` for every S3 URI or bucket ARN inside ``value``."""
    if isinstance(value, str):
        match = _S3_URI.search(value) if "s3://" in value else _S3_ARN.match(value)
        if match:
            yield match.group(1), path, any(w in path.lower() for w in _WRITE_WORDS)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from s3_references(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from s3_references(item, f"{path}.{key}" if path else str(key))


@dataclass
class Scope:
    """One task: a service of an account in a region (``region == "global"`` for IAM and S3)."""

    account: Account
    region: str
    service: str
    coverage: Coverage
    pool: ThreadPoolExecutor
    """Shared pool for per-resource reads (never used by the tasks that submit to it)."""
    out: Inventory = field(default_factory=Inventory)
    facts: dict[str, Any] = field(default_factory=dict)
    """What later phases need besides assets (records by type, bucket list, foundation models)."""

    @property
    def api_region(self) -> str:
        return self.account.home_region if self.region == GLOBAL else self.region

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def partition(self) -> str:
        return self.account.partition

    def client(self, name: str | None = None) -> Any:
        return self.account.client(name or aws_catalog().services[self.service].client, self.api_region)

    # -- API calls -------------------------------------------------------------------------

    def call(
        self, operation: str, *, resource: str = "", missing: tuple[str, ...] = (), **kwargs: Any
    ) -> Any:
        """``client.<operation>(**kwargs)``, or ``None`` when it failed (recorded as a gap).

        Error codes in ``missing`` mean "there is none" (``NoSuchBucketPolicy``) and return ``{}``.
        """
        try:
            return getattr(self.client(), operation)(**kwargs)
        except Exception as exc:
            failure = classify(exc)
            if failure.code in missing:
                return {}
            self.coverage.fail(self.region, self.service, operation, failure, resource)
            return None

    def paginate(self, operation: str, key: str, *, page_size: int | None = None, **kwargs: Any) -> list[Any]:
        """Every item under ``key`` across all pages (what was read before a failure is kept)."""
        items: list[Any] = []
        self._read_pages(items, operation, key, page_size, kwargs)
        return items

    def paginate_all(
        self, operation: str, key: str, *, page_size: int | None = None, **kwargs: Any
    ) -> list[Any] | None:
        """Like :meth:`paginate`, but ``None`` (and a coverage gap) when any page failed, for reads
        whose partial result would be taken as complete (a missing schedule reads as "none")."""
        items: list[Any] = []
        return items if self._read_pages(items, operation, key, page_size, kwargs) else None

    def _read_pages(
        self, items: list[Any], operation: str, key: str, page_size: int | None, kwargs: dict[str, Any]
    ) -> bool:
        """Add the items under ``key`` of every page to ``items``; ``False`` (and a coverage gap)
        when a page failed."""
        client = self.client()
        try:
            if client.can_paginate(operation):
                config = {"PageSize": page_size} if page_size else {}
                for page in client.get_paginator(operation).paginate(PaginationConfig=config, **kwargs):
                    items.extend(page.get(key, []))
            else:
                items.extend(_token_pages(getattr(client, operation), key, kwargs))
        except Exception as exc:
            self.coverage.fail(self.region, self.service, operation, classify(exc), kwargs_label(kwargs))
            return False
        return True

    def each(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` concurrently on the shared pool, results in order."""
        return list(self.pool.map(fn, items))

    # -- assets ----------------------------------------------------------------------------

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        region = self.api_region if region is None else region
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def add(
        self,
        resource_type: str,
        arn: str,
        name: str,
        fields: Mapping[str, Any],
        *,
        region: str | None = None,
        links: bool = True,
        **normalised: JSON,
    ) -> Asset:
        """Add the resource as an asset: its (redacted) API fields plus the normalised fields.

        With ``links``, ``runs_as`` edges to the role and ``reads``/``writes`` edges to buckets
        named in the fields are added too.
        """
        clean, hits = scrub(plain(dict(fields)))
        assert isinstance(clean, dict)
        buckets = bucket_names(clean) if links else []
        if buckets:
            normalised = {"bucket_names": list(buckets), **normalised}
        aid = asset_id(resource_type, arn)
        props: dict[str, JSON] = {
            **clean,
            "arn": arn,
            "account_id": self.account_id,
            "region": region if region is not None else (None if self.region == GLOBAL else self.api_region),
            "resource_type": resource_type,
        }
        for key, value in normalised.items():
            if value is not None:
                props[key] = value
        if hits:
            props["secrets"] = [
                {
                    "field": h.field,
                    "secret_type": h.detection.type,
                    "redacted": h.detection.redacted,
                    "secret_id": secret_asset(h, arn).id,
                }
                for h in hits
            ]
        asset = self.out.add(
            Asset(
                id=aid,
                kind=aws_catalog().kind(resource_type),
                name=name,
                provider="aws",
                location=Location(uri=arn),
                properties=props,
                source=SOURCE,
            )
        )
        for hit in hits:
            secret = self.out.add(secret_asset(hit, arn))
            self.out.relate(aid, RelationKind.CONTAINS, secret.id, field=hit.field)
        if links:
            self.link_role(aid, props.get("role_arn"))
            self.link_buckets(aid, clean)
        return asset

    def link_role(self, source_id: str, role_arn: JSON) -> None:
        if isinstance(role_arn, str) and ":role/" in role_arn:
            self.out.relate(source_id, RelationKind.RUNS_AS, role_id(role_arn))

    def link_buckets(self, source_id: str, fields: JSON) -> list[str]:
        """``reads``/``writes`` edges to every bucket named in ``fields``; returns the names."""
        names: list[str] = []
        for bucket, path, writes in s3_references(fields):
            kind = RelationKind.WRITES if writes else RelationKind.READS
            self.out.relate(
                source_id, kind, asset_id("s3:bucket", bucket_arn(self.partition, bucket)), field=path
            )
            if bucket not in names:
                names.append(bucket)
        return names


def _token_pages(call: Callable[..., Any], key: str, kwargs: Mapping[str, Any]) -> Iterable[Any]:
    """Pages of an operation botocore has no paginator for, following ``nextToken``/``NextToken``."""
    params = dict(kwargs)
    for _ in range(10_000):
        response = call(**params)
        yield from response.get(key, [])
        token = response.get("nextToken") or response.get("NextToken")
        if response.get("IsTruncated") and response.get("Marker"):
            params["Marker"] = response["Marker"]
            continue
        if not token:
            return
        params["nextToken" if "nextToken" in response else "NextToken"] = token


def kwargs_label(kwargs: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in kwargs.items() if isinstance(v, str))[:200]


def bucket_names(fields: JSON) -> list[str]:
    return list(dict.fromkeys(b for b, _, _ in s3_references(fields)))
