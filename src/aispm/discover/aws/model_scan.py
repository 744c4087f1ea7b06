"""Model files in the S3 locations AI resources name (SageMaker ``ModelDataUrl``s, training-job
model artifacts, Bedrock custom / imported model sources), scanned by the model scanner.

The S3 URIs come from the dotted paths of ``model_locations`` in ``data/aws_resources.yaml``.
Each location is listed page by page and its model-like objects (by name; see
``data/model_provenance.yaml``) are streamed, size-capped, to a temporary folder, scanned without
loading, and deleted (:func:`aispm.artifacts.sources.scan_s3`).  Every result is a
``model_artifact`` asset built by :func:`aispm.artifacts.sources.artifact_asset`, ``stores``-linked
from its bucket and ``reads``-linked from each resource that names the location.  A location that
cannot be listed is a coverage gap of the ``model-scan`` key (region ``global``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from itertools import islice
from typing import Any

from aispm.artifacts.sources import (
    S3Target,
    ScannedArtifact,
    SourceError,
    artifact_asset,
    parse_s3_url,
    scan_s3,
)
from aispm.core.model import Inventory, RelationKind
from aispm.data import load_yaml
from aispm.discover.aws.catalog import GLOBAL
from aispm.discover.aws.errors import DENIED, ERROR, Failure
from aispm.discover.aws.scope import Scope, asset_id, bucket_arn

COVERAGE_KEY = "model-scan"
"""Coverage key of the model-file scan (``coverage["global"]["model-scan"]``)."""


@cache
def model_locations() -> dict[str, tuple[str, ...]]:
    """resource_type -> dotted paths of S3 URIs of model files (``[]`` steps into every list item)."""
    raw = load_yaml("aws_resources.yaml")["model_locations"]
    return {str(k): tuple(str(p) for p in v) for k, v in raw.items()}


def _values(value: Any, steps: list[str]) -> Iterator[Any]:
    if not steps:
        yield value
        return
    step, rest = steps[0], steps[1:]
    if step.endswith("[]"):
        items = value.get(step[:-2]) if isinstance(value, Mapping) else None
        for item in items if isinstance(items, list) else []:
            yield from _values(item, rest)
    elif isinstance(value, Mapping):
        yield from _values(value.get(step), rest)


def locations(inventory: Inventory) -> dict[str, list[str]]:
    """S3 URI -> ids of the assets that name it as a model location (nested URIs folded into the
    shortest one that contains them, so no object is scanned twice)."""
    found: dict[str, list[str]] = {}
    paths = model_locations()
    for asset in inventory.assets:
        for path in paths.get(str(asset.properties.get("resource_type")), ()):
            for uri in _values(asset.properties, path.split(".")):
                if isinstance(uri, str) and uri.startswith("s3://") and len(uri) > len("s3://"):
                    holders = found.setdefault(uri, [])
                    if asset.id not in holders:
                        holders.append(asset.id)
    folded: dict[str, list[str]] = {}
    for uri in sorted(found):  # a containing prefix sorts before what it contains
        outer = next((u for u in folded if uri.startswith(u) and (u.endswith("/") or uri == u)), None)
        target = folded.setdefault(outer or uri, [])
        target.extend(h for h in found[uri] if h not in target)
    return folded


def scan_models(scope: Scope, inventory: Inventory, max_objects: int, max_object_bytes: int) -> None:
    """Scan the model files of every location named in ``inventory`` into ``scope.out``."""
    named = locations(inventory)
    targets: list[tuple[str, S3Target]] = []
    for uri in named:
        try:
            target = parse_s3_url(uri)
        except SourceError:
            continue
        if target is not None:
            targets.append((uri, target))
    client = scope.account.client("s3", scope.api_region)

    def one(item: tuple[str, S3Target]) -> list[ScannedArtifact]:
        uri, target = item
        try:
            return list(islice(scan_s3(target, client, max_object_bytes=max_object_bytes), max_objects))
        except SourceError as exc:
            text = str(exc)
            if "NoSuchBucket" in text:  # the bucket is gone: no model file to scan there
                return []
            code = "AccessDenied" if "AccessDenied" in text else "SourceError"
            status = DENIED if code == "AccessDenied" else ERROR
            scope.coverage.fail(
                GLOBAL, COVERAGE_KEY, "list_objects_v2", Failure(status, code, text[:200]), uri
            )
            return []

    for (uri, target), scanned in zip(targets, scope.each(one, targets), strict=True):
        bucket = asset_id("s3:bucket", bucket_arn(scope.partition, target.bucket))
        for result in scanned:
            artifact = scope.out.add(artifact_asset(result))
            scope.out.relate(bucket, RelationKind.STORES, artifact.id)
            for holder in named[uri]:
                scope.out.relate(holder, RelationKind.READS, artifact.id, location=uri)
