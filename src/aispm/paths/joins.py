"""Join rules: connect the same or touching things found by different sources.

- a leaked credential ``grants`` the provider it belongs to (an AWS key → the scanned
  ``aws:account`` assets; an OpenAI key → the ``ai_service``, ``model_endpoint`` and ``model``
  assets of that provider, an Azure key those of ``azure-openai``);
- the same resource seen by two sources (IaC and live AWS: ARN, FunctionName ...) is ``same_as``;
  with the IaC file's ``deploys`` edge this joins a repository to the Lambda it deploys;
- a model file in a bucket: bucket ``contains`` the artifact, and the artifact (or, when the file
  was not scanned, the bucket) ``serves`` the SageMaker model whose ``ModelDataUrl`` names it.

What to match on is data (``data/paths_graph.yaml`` ``joins``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aispm.core.model import Asset, AssetKind
from aispm.paths.config import graph_data
from aispm.paths.graph import AttackGraph


def add_joins(ag: AttackGraph) -> None:
    """Add every join edge to ``ag``."""
    spec = graph_data()["joins"]
    _secret_grants(
        ag,
        spec["secret_provider_to"],
        frozenset(AssetKind(k) for k in spec["provider_kinds"]),
        spec.get("provider_aliases") or {},
        {str(p).lower() for p in spec.get("unnamed_providers") or ()},
    )
    _same_resources(ag, list(spec["same_resource_keys"]), set(spec["same_resource_types"]))
    _model_files(ag, list(spec["model_data_fields"]))
    _account_principals(ag)


def resource_type(ag: AttackGraph, node: int) -> str:
    return str(ag.assets[node].properties.get("resource_type") or "")


def _provider_names(asset: Asset) -> set[str]:
    """The provider slugs an asset answers to: its provider, and for an AI service its vendor
    and catalog id (lower case)."""
    props = asset.properties
    names = [asset.provider, props.get("provider")]
    if asset.kind is AssetKind.AI_SERVICE:
        names += [props.get("vendor"), props.get("catalog_id")]
    return {str(n).lower() for n in names if n}


def _secret_grants(
    ag: AttackGraph,
    spec: dict[str, Any],
    kinds: frozenset[AssetKind],
    aliases: dict[str, Any],
    unnamed: set[str],
) -> None:
    """``grants`` from each leaked key to what it opens: a provider entry of the spec names a
    ``resource_type`` or ``kind`` (aws → the scanned accounts, github → the repositories);
    any other provider goes to the assets of ``kinds`` (AI services, model endpoints, models)
    of that provider or of one of its ``aliases`` (``azure`` keys → ``azure-openai``).  The
    ``unnamed`` providers (``local``, ``unknown``) belong to no one a key could be for."""
    by_rule: dict[str, list[int]] = defaultdict(list)
    by_provider: dict[str, list[int]] = defaultdict(list)
    for i, asset in enumerate(ag.assets):
        by_rule[f"kind:{asset.kind.value}"].append(i)
        by_rule[f"type:{asset.properties.get('resource_type')}"].append(i)
        if asset.kind in kinds:
            for name in _provider_names(asset) - unnamed:
                by_provider[name].append(i)
    for i, asset in enumerate(ag.assets):
        if asset.kind != AssetKind.SECRET:
            continue
        provider = str(asset.properties.get("provider") or asset.provider or "").lower()
        rule = spec.get(provider)
        if isinstance(rule, dict) and "resource_type" in rule:
            targets = by_rule.get(f"type:{rule['resource_type']}", [])
        elif isinstance(rule, dict) and "kind" in rule:
            targets = by_rule.get(f"kind:{rule['kind']}", [])
        else:
            names = [provider, *(str(a).lower() for a in aliases.get(provider) or ())]
            targets = list(dict.fromkeys(t for name in names for t in by_provider.get(name, ())))
        for target in targets:
            ag.add_edge(i, "grants", target, via=f"{provider} credential")


def _same_resources(ag: AttackGraph, keys: list[str], types: set[str]) -> None:
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    typed = [(i, a) for i, a in enumerate(ag.assets) if a.properties.get("resource_type") in types]
    if len({a.source for _, a in typed}) < 2:
        return  # one source only: nothing to join
    for i, asset in typed:
        rtype = str(asset.properties["resource_type"])
        for key in keys:
            value = asset.properties.get(key)
            if isinstance(value, str) and value and "${" not in value:
                groups[(rtype, key, value)].append(i)
    for (_, key, _), nodes in groups.items():
        sources = {ag.assets[n].source for n in nodes}
        if len(nodes) < 2 or len(sources) < 2:
            continue
        first = nodes[0]
        for other in nodes[1:]:
            if ag.assets[other].source != ag.assets[first].source:
                ag.add_edge(first, "same_as", other, via=key)


def _model_files(ag: AttackGraph, fields: list[str]) -> None:
    buckets: dict[str, int] = {}
    artifacts: list[tuple[str, str, int]] = []
    for i, asset in enumerate(ag.assets):
        arn = str(asset.properties.get("arn") or "")
        if asset.properties.get("resource_type") == "s3:bucket" and arn.startswith("arn:aws:s3:::"):
            buckets[arn.removeprefix("arn:aws:s3:::")] = i
        s3 = asset.properties.get("s3")
        if asset.kind == AssetKind.MODEL_ARTIFACT and isinstance(s3, dict):
            artifacts.append((str(s3.get("bucket")), str(s3.get("key") or ""), i))
    for bucket, _, node in artifacts:
        if bucket in buckets:
            ag.add_edge(buckets[bucket], "contains", node, via="s3 object")
    for i, asset in enumerate(ag.assets):
        if asset.kind not in (AssetKind.MODEL, AssetKind.MODEL_ENDPOINT):
            continue
        for url in _model_data_urls(asset.properties, fields):
            bucket, _, key = url.removeprefix("s3://").partition("/")
            served = [n for b, k, n in artifacts if b == bucket and k.startswith(key)]
            for node in served:
                ag.add_edge(node, "serves", i, via="ModelDataUrl")
            if not served and bucket in buckets:
                ag.add_edge(buckets[bucket], "serves", i, via="ModelDataUrl")


def _model_data_urls(properties: Any, fields: list[str]) -> list[str]:
    urls: list[str] = []
    for path in fields:
        for value in _walk(properties, path.split(".")):
            if isinstance(value, str) and value.startswith("s3://"):
                urls.append(value)
    return urls


def _walk(value: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in _walk(item, parts)]
    if isinstance(value, dict) and parts[0] in value:
        return _walk(value[parts[0]], parts[1:])
    return []


def _account_principals(ag: AttackGraph) -> None:
    """The scanned account asset is the ``arn:aws:iam::<id>:root`` principal trust policies name."""
    accounts = {
        str(a.properties.get("arn")): i
        for i, a in enumerate(ag.assets)
        if a.properties.get("resource_type") == "aws:account"
    }
    for i, asset in enumerate(ag.assets):
        if asset.properties.get("resource_type") == "principal":
            node = accounts.get(str(asset.properties.get("principal")))
            if node is not None:
                ag.add_edge(node, "same_as", i, via="account root principal")
