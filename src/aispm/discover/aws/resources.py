"""The generic list-then-describe reader driven by ``data/aws_resources.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aispm.core.model import JSON, RelationKind
from aispm.data import load_yaml
from aispm.discover.aws.prepare import PREPARE
from aispm.discover.aws.scope import Scope, asset_id

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    type: str
    service: str
    list: str
    items: str
    page_size: int | None = None
    list_params: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None
    parent_params: Mapping[str, str] = field(default_factory=dict)
    describe: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    result: str | None = None
    merge_as: str | None = None
    missing: tuple[str, ...] = ()
    name: str = ""
    arn: str | None = None
    arn_template: str | None = None
    role: str | None = None
    image: str | None = None
    image_list: str | None = None
    prepare: str | None = None
    link_only: bool = False
    """Only relates the parent to another resource (``bedrock:agent-knowledge-base``)."""


_PARENT_EDGES = {
    "bedrock:agent-action-group": RelationKind.HAS_TOOL,
    "bedrock:data-source": RelationKind.CONTAINS,
    "sagemaker:model-package": RelationKind.CONTAINS,
}


@cache
def resource_specs() -> tuple[ResourceSpec, ...]:
    specs = []
    for raw in load_yaml("aws_resources.yaml")["resources"]:
        data = dict(raw)
        data["missing"] = tuple(data.get("missing", ()))
        specs.append(ResourceSpec(**data))
    return tuple(specs)


def specs_for(service: str) -> list[ResourceSpec]:
    return [s for s in resource_specs() if s.service == service]


def dig(record: Mapping[str, Any], path: str | None) -> Any:
    """The value at a dotted ``path`` of ``record`` (``None`` when any step is missing)."""
    if not path:
        return None
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _params(mapping: Mapping[str, str], record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v[1:] if v.startswith("=") else record.get(v) for k, v in mapping.items()}


def collect_service(scope: Scope) -> dict[str, list[Record]]:
    """Read every resource type of ``scope.service``; returns the merged records by type."""
    records: dict[str, list[Record]] = {}
    for spec in specs_for(scope.service):
        records[spec.type] = _collect(scope, spec, records)
    scope.facts.setdefault("records", {}).update(records)
    return records


def _collect(scope: Scope, spec: ResourceSpec, records: Mapping[str, list[Record]]) -> list[Record]:
    items: list[Record] = []
    if spec.parent:
        for parent in records.get(spec.parent, []):
            params = _params(spec.parent_params, parent)
            for item in scope.paginate(spec.list, spec.items, page_size=spec.page_size, **params):
                items.append({**params, **item, "_parent": parent})
    else:
        items = scope.paginate(spec.list, spec.items, page_size=spec.page_size, **dict(spec.list_params))
    if spec.link_only:
        for item in items:
            _link_only(scope, spec, item)
        return items
    details = scope.each(lambda item: _describe(scope, spec, item), items)
    out: list[Record] = []
    for item, detail in zip(items, details, strict=True):
        parent = item.pop("_parent", None)
        record: Record = {**item}
        unread: list[str] = []
        if detail is None:
            unread.append(str(spec.describe))
        elif spec.merge_as:
            record[spec.merge_as] = detail or None
        else:
            record.update(detail)
        out.append(_add(scope, spec, record, unread, parent))
    return out


def _describe(scope: Scope, spec: ResourceSpec, item: Mapping[str, Any]) -> Record | None:
    if not spec.describe:
        return {}
    name = str(item.get(spec.name) or "")
    response = scope.call(spec.describe, resource=name, missing=spec.missing, **_params(spec.params, item))
    if response is None:
        return None
    detail = response.get(spec.result, {}) if spec.result else response
    return {k: v for k, v in detail.items() if k != "ResponseMetadata"}


def _add(
    scope: Scope, spec: ResourceSpec, record: Record, unread: list[str], parent: Record | None
) -> Record:
    if spec.prepare:
        record = PREPARE[spec.prepare](record)
    extra = scope.facts.get("extras", {}).get(spec.type)
    if extra is not None:
        record.update(extra(record))
    arn = str(record.get(spec.arn) if spec.arn else "") or _template(scope, spec, record)
    record["_arn"] = arn
    fields = {k: v for k, v in record.items() if not k.startswith("_")}
    role = dig(record, spec.role)
    scope.add(
        spec.type,
        arn,
        str(record.get(spec.name) or arn.rsplit("/", 1)[-1]),
        fields,
        role_arn=role if isinstance(role, str) else None,
        image_uri=_image(spec, record),
        unread=list(unread) or None,
    )
    edge = _PARENT_EDGES.get(spec.type)
    if parent is not None and edge is not None and spec.parent:
        scope.out.relate(asset_id(spec.parent, str(parent.get("_arn"))), edge, asset_id(spec.type, arn))
    return record


def _template(scope: Scope, spec: ResourceSpec, record: Mapping[str, Any]) -> str:
    if not spec.arn_template:
        return ""
    values = {k: v for k, v in record.items() if isinstance(v, str)}
    values.update(partition=scope.partition, region=scope.api_region, account=scope.account_id)
    return spec.arn_template.format_map(_Missing(values))


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "unknown"


def _image(spec: ResourceSpec, record: Mapping[str, Any]) -> JSON:
    image = dig(record, spec.image)
    if isinstance(image, str):
        return image
    containers = dig(record, spec.image_list)
    if isinstance(containers, list):
        for container in containers:
            if isinstance(container, Mapping) and isinstance(container.get("Image"), str):
                return str(container["Image"])
    return None


def _link_only(scope: Scope, spec: ResourceSpec, item: Record) -> None:
    parent = item.get("_parent") or {}
    if spec.type == "bedrock:agent-knowledge-base" and item.get("knowledgeBaseId"):
        kb_arn = scope.arn("bedrock", f"knowledge-base/{item['knowledgeBaseId']}")
        scope.out.relate(
            asset_id("bedrock:agent", str(parent.get("_arn"))),
            RelationKind.USES,
            asset_id("bedrock:knowledge-base", kb_arn),
            state=item.get("knowledgeBaseState"),
        )
