"""Declared attributes → the properties the live cloud API would return for the same resource.

The mapping (names, renames, provider defaults, value conversions) is data:
``aispm/data/iac_resources.yaml``.  Keeping IaC assets shaped like live ones is what lets one rule
apply to both.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aispm.core.model import JSON, AssetKind, RelationKind
from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """How one declared resource type becomes an asset (see the data file's header)."""

    provider: str
    resource_type: str
    kind: AssetKind
    style: str
    name: tuple[str, ...] = ()
    rename: dict[str, str] = field(default_factory=dict)
    singletons: frozenset[str] = frozenset()
    invert: frozenset[str] = frozenset()
    values: dict[str, dict[Any, JSON]] = field(default_factory=dict)
    defaults: dict[str, JSON] = field(default_factory=dict)
    json: frozenset[str] = frozenset()
    links: dict[str, RelationKind] = field(default_factory=dict)
    reverse_links: dict[str, RelationKind] = field(default_factory=dict)
    support: bool = False
    kinds_only: tuple[str, ...] = ()
    merge_into: dict[str, dict[str, JSON]] = field(default_factory=dict)


@cache
def _specs() -> dict[str, TypeSpec]:
    raw = load_yaml("iac_resources.yaml")
    out: dict[str, TypeSpec] = {}
    for item in raw:
        spec = TypeSpec(
            provider=item["provider"],
            resource_type=item["resource_type"],
            kind=AssetKind(item["kind"]),
            style=item.get("style", "pascal"),
            name=tuple(item.get("name") or ()),
            rename=dict(item.get("rename") or {}),
            singletons=frozenset(item.get("singletons") or ()),
            invert=frozenset(item.get("invert") or ()),
            values={k: dict(v) for k, v in (item.get("values") or {}).items()},
            defaults=dict(item.get("defaults") or {}),
            json=frozenset(item.get("json") or ()),
            links={k: RelationKind(v) for k, v in (item.get("links") or {}).items()},
            reverse_links={k: RelationKind(v) for k, v in (item.get("reverse_links") or {}).items()},
            support=bool(item.get("support")),
            kinds_only=tuple(item.get("kinds_only") or ()),
            merge_into=dict(item.get("merge_into") or {}),
        )
        for key in ("terraform", "cloudformation", "arm"):
            if item.get(key):
                out[item[key]] = spec
        if str(item.get("cloudformation", "")).startswith("AWS::"):
            out.setdefault(awscc_type(item["cloudformation"]), spec)
    return out


def awscc_type(cloudformation_type: str) -> str:
    """The AWS Cloud Control provider's name for a CloudFormation type (``AWS::SageMaker::
    NotebookInstance`` -> ``awscc_sagemaker_notebook_instance``): the provider generates its
    resources from the CloudFormation schemas, and their attributes are the schema's property
    names in snake_case, nested objects included."""
    _aws, service, resource = cloudformation_type.split("::")
    return f"awscc_{service.lower()}_{snake(resource)}"


def snake(name: str) -> str:
    """``NotebookInstanceName`` -> ``notebook_instance_name`` (``KMSKeyId`` -> ``kms_key_id``)."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced).lower()


def spec_for(declared_type: str) -> TypeSpec | None:
    """The mapping of a Terraform, CloudFormation or ARM resource type, if aispm models it."""
    return _specs().get(declared_type)


def known_types() -> list[str]:
    """Every declared resource type that becomes an asset."""
    return sorted(_specs())


def live_key(spec: TypeSpec, key: str) -> str:
    """The live API's name for a declared attribute or property."""
    if key in spec.rename:
        return spec.rename[key]
    styled = _style(spec.style, key)
    return spec.rename.get(styled, styled)


def translate(spec: TypeSpec, attrs: dict[str, JSON]) -> dict[str, JSON]:
    """Live-shaped properties of a resource: renamed, converted and with provider defaults."""
    props = {live_key(spec, k): _convert(spec, k, v) for k, v in attrs.items() if k != "tags"}
    props = {k: v for k, v in props.items() if v is not _DROP}
    for key in spec.invert:
        if isinstance(props.get(key), bool):
            props[key] = not props[key]
    for key, mapping in spec.values.items():
        if key in props and _hashable(props[key]) in mapping:
            props[key] = mapping[_hashable(props[key])]
    for key in spec.json:
        value = props.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                props[key] = json.loads(value)
    for path, value in spec.defaults.items():
        _set_default(props, path.split("."), value)
    if "tags" in attrs:
        props["Tags" if spec.style == "pascal" else "tags"] = attrs["tags"]
    return props


_DROP: Any = object()


def _convert(spec: TypeSpec, key: str, value: JSON) -> JSON:
    if key in spec.singletons and isinstance(value, list):
        if not value:
            return _DROP
        value = value[0]
    if isinstance(value, dict):
        converted = {live_key(spec, k): _convert(spec, k, v) for k, v in value.items()}
        return {k: v for k, v in converted.items() if v is not _DROP}
    if isinstance(value, list):
        return [_convert(spec, "", v) if isinstance(v, dict | list) else v for v in value]
    return value


def _set_default(props: dict[str, JSON], path: list[str], value: JSON) -> None:
    node: Any = props
    for part in path[:-1]:
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            return
        node = nxt
    if node.get(path[-1]) is None:
        node[path[-1]] = value


def _style(style: str, key: str) -> str:
    if "_" in key or key.islower():
        parts = [p for p in key.split("_") if p]
        if not parts:
            return key
        pascal = "".join(p[:1].upper() + p[1:] for p in parts)
    else:
        pascal = key[:1].upper() + key[1:]
    if style == "camel":
        return pascal[:1].lower() + pascal[1:]
    return pascal


def _hashable(value: JSON) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else json.dumps(value)


_REF_TEXT = re.compile(r"\$\{([^}]*)\}")


def unresolved(value: JSON) -> bool:
    """A value that is still ``${...}`` source text (known only after apply)."""
    return isinstance(value, str) and bool(_REF_TEXT.search(value))
