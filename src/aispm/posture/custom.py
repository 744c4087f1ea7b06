"""Custom rules written in YAML: rule metadata plus a ``match`` over asset properties.

.. code-block:: yaml

    - id: ACME-001
      title: GPT-3.5 is not allowed
      severity: medium
      match:
        kind: model
        where:
          - {property: provider, equals: openai}
          - {property: model, matches: "gpt-3.5*"}

Every asset the match selects gets one finding.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from aispm.core.model import Asset, AssetKind, Finding, Inventory, RuleMeta
from aispm.posture.spec import RuleSpec

OPERATORS = ("equals", "matches", "regex", "contains", "is_missing", "greater_than", "less_than", "in")
"""The comparison operators of a ``where`` condition; each condition uses exactly one."""

CUSTOM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{1,63}$")

_MISSING = object()
_ASSET_FIELDS = ("id", "kind", "name", "provider", "tags", "source")


class Condition(BaseModel):
    """``{property: dotted.path, <operator>: value}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    property: str
    equals: Any = None
    matches: str | None = None
    regex: str | None = None
    contains: Any = None
    is_missing: bool | None = None
    greater_than: float | None = None
    less_than: float | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    _pattern: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _one_operator(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a condition must be a mapping like {property: model, equals: gpt-4o}")
        unknown = [k for k in data if k != "property" and k not in OPERATORS]
        if unknown:
            raise ValueError(f"unknown operator {unknown[0]!r}; use one of: {', '.join(OPERATORS)}")
        used = [k for k in data if k in OPERATORS]
        if len(used) != 1:
            raise ValueError(
                f"use exactly one operator per condition (found {len(used)}): {', '.join(OPERATORS)}"
            )
        return data

    @field_validator("property")
    @classmethod
    def _property(cls, value: str) -> str:
        if not value or any(not part for part in value.split(".")):
            raise ValueError(f"{value!r} is not a property path like 'provider' or 'keywords.revision'")
        return value

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    def operator(self) -> str:
        """The one operator this condition uses."""
        return next(op for op in OPERATORS if ("in_" if op == "in" else op) in self.model_fields_set)

    def holds(self, asset: Asset) -> bool:
        value = resolve(asset, self.property)
        op = self.operator()
        if op == "is_missing":
            return (value is _MISSING or value is None) == bool(self.is_missing)
        if value is _MISSING:
            return False
        if op == "equals":
            return bool(value == self.equals)
        if op == "in":
            return any(value == item for item in self.in_ or ())
        if op == "contains":
            if isinstance(value, list | tuple | dict):
                return self.contains in value
            return isinstance(value, str) and isinstance(self.contains, str) and self.contains in value
        if op in ("matches", "regex"):
            return any(self._text_match(str(v)) for v in _scalars(value))
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None:
            return False
        if op == "greater_than":
            return self.greater_than is not None and number > self.greater_than
        return self.less_than is not None and number < self.less_than

    def _text_match(self, text: str) -> bool:
        if self.matches is not None:
            return fnmatch.fnmatchcase(text, self.matches)
        if self._pattern is None:
            self._pattern = re.compile(self.regex or "")
        return self._pattern.search(text) is not None


class Match(BaseModel):
    """Which assets a custom rule selects; every part given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: tuple[AssetKind, ...] = ()
    provider: str | None = None
    """An fnmatch glob on the asset's provider."""
    where: tuple[Condition, ...] = ()
    any_of: tuple[Match, ...] = ()
    all_of: tuple[Match, ...] = ()
    not_: Match | None = Field(default=None, alias="not")

    @field_validator("kind", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def holds(self, asset: Asset) -> bool:
        if self.kind and asset.kind not in self.kind:
            return False
        if self.provider is not None and not fnmatch.fnmatchcase(asset.provider, self.provider):
            return False
        if not all(c.holds(asset) for c in self.where):
            return False
        if self.any_of and not any(m.holds(asset) for m in self.any_of):
            return False
        if not all(m.holds(asset) for m in self.all_of):
            return False
        return not (self.not_ is not None and self.not_.holds(asset))

    def conditions(self) -> Iterator[Condition]:
        """Every condition in this match and its nested matches (for evidence)."""
        yield from self.where
        for sub in (*self.any_of, *self.all_of, *((self.not_,) if self.not_ else ())):
            yield from sub.conditions()


class CustomRule(RuleSpec):
    """A custom rule: metadata as for built-in rules plus ``match``."""

    match: Match

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not CUSTOM_ID.match(value):
            raise ValueError(f"{value!r} is not a rule id (letters, digits, '-', '_', '.', ':'; 2-64 chars)")
        return value

    def to_meta(self) -> RuleMeta:
        meta = super().to_meta()
        if meta.asset_kinds or not self.match.kind:
            return meta
        return dataclasses.replace(meta, asset_kinds=self.match.kind)

    def run(self, inventory: Inventory) -> Iterator[Finding]:
        """One finding per asset the match selects."""
        paths = list(dict.fromkeys(c.property for c in self.match.conditions()))
        for asset in inventory.assets:
            if not self.match.holds(asset):
                continue
            evidence = {p: _evidence_value(resolve(asset, p)) for p in paths}
            where = f" at {asset.location}" if asset.location and str(asset.location) else ""
            yield Finding(
                rule_id=self.id,
                asset_id=asset.id,
                severity=self.severity,
                message=f"{self.title}: {asset.kind.value} '{asset.name}'{where}",
                location=asset.location,
                evidence={k: v for k, v in evidence.items() if v is not None},
                discriminator="",
            )


def resolve(asset: Asset, path: str) -> Any:
    """The value at a dotted ``path`` in the asset's properties (or a top-level asset field).

    Lists met on the way are mapped over, so ``vulnerabilities.id`` gives every advisory id.
    Returns a private sentinel when the path does not exist.
    """
    head, *rest = path.split(".")
    if head in asset.properties:
        value: Any = asset.properties[head]
    elif head in _ASSET_FIELDS:
        value = getattr(asset, head)
        value = list(value) if isinstance(value, tuple) else value
    elif head == "location" and asset.location is not None:
        value = asset.location.to_json()
    else:
        return _MISSING
    for key in rest:
        value = _step(value, key)
        if value is _MISSING:
            return _MISSING
    return value


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, _MISSING)
    if isinstance(value, list):
        found = [_step(item, key) for item in value]
        return [item for item in found if item is not _MISSING]
    return _MISSING


def _scalars(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _evidence_value(value: Any) -> Any:
    if value is _MISSING:
        return None
    text = json.dumps(value, default=str)
    return value if len(text) <= 300 else text[:297] + "..."
