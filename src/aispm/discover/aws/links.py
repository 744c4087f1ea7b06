"""Cross-service relationships of one account, made once every service has been read, and
placeholder assets for what the relationships point at but the scan did not inventory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from aispm.core.model import JSON, Asset, AssetKind, Inventory, Location, RelationKind
from aispm.discover.aws.catalog import aws_catalog
from aispm.discover.aws.scope import SOURCE, asset_id

_PREFIX = "urn:aispm:aws:"


def link(
    inv: Inventory, foundation_models: Mapping[str, Mapping[str, Any]], profiles: Mapping[str, str]
) -> Inventory:
    """Add the cross-service edges to ``inv`` and return it with placeholders and vector-store kinds.

    ``foundation_models`` maps ``region`` -> model id -> ``ListFoundationModels`` summary;
    ``profiles`` maps instance-profile ARN -> role ARN.
    """
    index = _Index(inv)
    for asset in list(inv.assets):
        rtype = str(asset.properties.get("resource_type", ""))
        props = asset.properties
        if rtype == "sagemaker:endpoint":
            _endpoint(inv, index, asset)
        elif rtype == "lambda:function":
            _lambda(inv, index, asset, foundation_models)
        elif rtype == "bedrock:agent":
            _model_ref(inv, index, asset, props.get("foundationModel"), foundation_models)
            _guardrail(inv, index, asset)
        elif rtype == "bedrock:knowledge-base":
            _knowledge_base(inv, index, asset, foundation_models)
        elif rtype == "bedrock:provisioned-throughput":
            _model_ref(inv, index, asset, props.get("modelArn"), foundation_models, RelationKind.EXPOSES)
        elif rtype == "bedrock:custom-model":
            _model_ref(
                inv, index, asset, props.get("baseModelArn"), foundation_models, RelationKind.DEPENDS_ON
            )
        elif rtype == "ec2:instance":
            role = profiles.get(str(props.get("instance_profile_arn")))
            if role:
                inv.relate(asset.id, RelationKind.RUNS_AS, asset_id("iam:role", role), via="instance_profile")
        image = props.get("image_uri")
        if isinstance(image, str):
            repo = index.repository(image)
            if repo:
                inv.relate(asset.id, RelationKind.USES, repo)
    return _finish(inv, index.vector_stores)


class _Index:
    def __init__(self, inv: Inventory) -> None:
        self.by_name: dict[tuple[str, str, str], str] = {}
        self.repos: dict[str, str] = {}
        self.vector_stores: set[str] = set()
        for asset in inv.assets:
            props = asset.properties
            rtype = str(props.get("resource_type", ""))
            region = str(props.get("region", ""))
            self.by_name[(rtype, region, asset.name)] = asset.id
            for key in ("guardrailId", "id", "agentId", "knowledgeBaseId"):
                if isinstance(props.get(key), str):
                    self.by_name[(rtype, region, str(props[key]))] = asset.id
            if rtype == "ecr:repository" and isinstance(props.get("repositoryUri"), str):
                self.repos[str(props["repositoryUri"])] = asset.id
            if rtype == "aoss:collection" and props.get("type") == "VECTORSEARCH":
                self.vector_stores.add(asset.id)

    def find(self, rtype: str, region: str, key: str) -> str | None:
        return self.by_name.get((rtype, region, key))

    def repository(self, image: str) -> str | None:
        base = image.split("@", 1)[0].rsplit(":", 1)[0] if "/" in image else image
        return self.repos.get(base) or self.repos.get(image.split("@", 1)[0])


def _region(asset: Asset) -> str:
    return str(asset.properties.get("region", ""))


def _arn(asset: Asset, service: str, resource: str) -> str:
    p = asset.properties
    partition = str(p.get("arn", "arn:aws")).split(":")[1]
    return f"arn:{partition}:{service}:{p.get('region')}:{p.get('account_id')}:{resource}"


def _endpoint(inv: Inventory, index: _Index, endpoint: Asset) -> None:
    region = _region(endpoint)
    config_name = str(endpoint.properties.get("EndpointConfigName") or "")
    config_id = index.find("sagemaker:endpoint-config", region, config_name)
    if config_id is None:
        return
    inv.relate(endpoint.id, RelationKind.USES, config_id)
    config = inv.get(config_id)
    variants = (config.properties.get("ProductionVariants") if config else None) or []
    for variant in variants if isinstance(variants, list) else []:
        name = str(variant.get("ModelName") or "") if isinstance(variant, dict) else ""
        if not name:
            continue
        model = index.find("sagemaker:model", region, name) or asset_id(
            "sagemaker:model", _arn(endpoint, "sagemaker", f"model/{name.lower()}")
        )
        inv.relate(endpoint.id, RelationKind.EXPOSES, model, variant=str(variant.get("VariantName")))


def _lambda(inv: Inventory, index: _Index, fn: Asset, models: Mapping[str, Mapping[str, Any]]) -> None:
    env = (fn.properties.get("Environment") or {}).get("Variables") or {}
    region = _region(fn)
    catalog = aws_catalog()
    for name, value in env.items() if isinstance(env, dict) else ():
        if not isinstance(value, str):
            continue
        endpoint = index.find("sagemaker:endpoint", region, value) or (
            index.find("sagemaker:endpoint", region, value.rsplit("/", 1)[-1])
            if ":endpoint/" in value
            else None
        )
        if endpoint:
            inv.relate(fn.id, RelationKind.INVOKES, endpoint, variable=name)
        elif catalog.is_bedrock_model_id(value) or ":foundation-model/" in value or ":custom-model/" in value:
            _model_ref(inv, index, fn, value, models, variable=name)


def _model_ref(
    inv: Inventory,
    index: _Index,
    source: Asset,
    ref: JSON,
    models: Mapping[str, Mapping[str, Any]],
    kind: RelationKind = RelationKind.INVOKES,
    **properties: JSON,
) -> None:
    """An edge to the Bedrock model named by id or ARN (a foundation-model asset is made here:
    only models something uses are inventoried)."""
    if not isinstance(ref, str) or not ref:
        return
    region = _region(source)
    if ":custom-model/" in ref or ":imported-model/" in ref or ":provisioned-model/" in ref:
        rtype = (
            "bedrock:custom-model"
            if ":custom-model/" in ref
            else ("bedrock:imported-model" if ":imported-model/" in ref else "bedrock:provisioned-throughput")
        )
        inv.relate(source.id, kind, asset_id(rtype, ref), **properties)
        return
    model_id = ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref
    model_region = ref.split(":")[3] if ref.startswith("arn:") and ref.split(":")[3] else region
    partition = str(source.properties.get("arn", "arn:aws")).split(":")[1]
    arn = f"arn:{partition}:bedrock:{model_region}::foundation-model/{model_id}"
    summary = dict(models.get(model_region, {}).get(model_id, {}))
    target = inv.add(
        Asset(
            id=asset_id("bedrock:foundation-model", arn),
            kind=AssetKind.MODEL,
            name=model_id,
            provider="aws",
            location=Location(uri=arn),
            properties={
                **summary,
                "modelId": model_id,
                "arn": arn,
                "account_id": None,
                "region": model_region,
                "resource_type": "bedrock:foundation-model",
                "listed": bool(summary),
            },
            source=SOURCE,
        )
    )
    inv.relate(source.id, kind, target.id, **properties)


def _guardrail(inv: Inventory, index: _Index, agent: Asset) -> None:
    config = agent.properties.get("guardrailConfiguration") or {}
    ref = config.get("guardrailIdentifier") if isinstance(config, dict) else None
    if not isinstance(ref, str) or not ref:
        return
    guardrail = index.find("bedrock:guardrail", _region(agent), ref.rsplit("/", 1)[-1])
    target = guardrail or asset_id(
        "bedrock:guardrail", ref if ref.startswith("arn:") else _arn(agent, "bedrock", f"guardrail/{ref}")
    )
    inv.relate(target, RelationKind.ATTACHED_TO, agent.id, version=str(config.get("guardrailVersion")))


def _knowledge_base(
    inv: Inventory, index: _Index, kb: Asset, models: Mapping[str, Mapping[str, Any]]
) -> None:
    props = kb.properties
    storage = props.get("storageConfiguration") or {}
    for key, field, rtype in (
        ("opensearchServerlessConfiguration", "collectionArn", "aoss:collection"),
        ("opensearchManagedClusterConfiguration", "domainArn", "opensearch:domain"),
    ):
        ref = (storage.get(key) or {}).get(field) if isinstance(storage, dict) else None
        if isinstance(ref, str) and ref:
            target = asset_id(rtype, ref)
            index.vector_stores.add(target)
            inv.relate(kb.id, RelationKind.STORES, target)
    embedding = (
        ((props.get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}).get(
            "embeddingModelArn"
        )
        if isinstance(props.get("knowledgeBaseConfiguration"), dict)
        else None
    )
    _model_ref(inv, index, kb, embedding, models, RelationKind.INVOKES, purpose="embedding")
    for rel in list(inv.outgoing(kb.id, RelationKind.CONTAINS)):
        source = inv.get(rel.target)
        for read in inv.outgoing(rel.target, RelationKind.READS) if source else ():
            inv.relate(kb.id, RelationKind.READS, read.target, via="data_source")


def _finish(inv: Inventory, vector_stores: Iterable[str]) -> Inventory:
    """Vector stores retyped; placeholders for edge targets that were not inventoried."""
    stores = set(vector_stores)
    out = Inventory()
    for asset in inv.assets:
        if asset.id in stores and asset.kind != AssetKind.VECTOR_STORE:
            asset = Asset(asset.id, AssetKind.VECTOR_STORE, asset.name, asset.provider, asset.location,
                          {**asset.properties, "vector_store": True}, asset.tags, asset.source)  # fmt: skip
        out.add(asset)
    for rel in inv.relationships:
        out.add_relationship(rel)
        if rel.target not in out and rel.target.startswith(_PREFIX):
            out.add(placeholder(rel.target, vector_store=rel.target in stores))
    out.warnings.extend(inv.warnings)
    return out


def placeholder(target: str, *, vector_store: bool = False) -> Asset:
    """An asset known only because something points at it (``inventoried: False``)."""
    service, kind_name, encoded = target.removeprefix(_PREFIX).split(":", 2)
    rtype = f"{service}:{kind_name}"
    arn = unquote(encoded)
    parts = arn.split(":")
    kind = AssetKind.VECTOR_STORE if vector_store else aws_catalog().kinds.get(rtype, AssetKind.DATA_STORE)
    return Asset(
        id=target,
        kind=kind,
        name=arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or arn,
        provider="aws",
        location=Location(uri=arn),
        properties={
            "arn": arn,
            "account_id": parts[4] if len(parts) > 4 and parts[4] else None,
            "region": parts[3] if len(parts) > 3 and parts[3] else None,
            "resource_type": rtype,
            "inventoried": False,
        },
        source=SOURCE,
    )
