"""CloudFormation templates (YAML with short-form intrinsic tags, or JSON).

Tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...) are read as their long form (``{"Ref": ...}``) by a
safe loader; nothing is executed.  ``Ref`` to a parameter takes its ``Default``; ``Ref``,
``Fn::GetAtt`` and ``${...}`` in ``Fn::Sub`` to another resource are recorded as references;
``Fn::Join``, ``Fn::Split``, ``Fn::Select`` and ``Fn::FindInMap`` are evaluated when their inputs
are known.
``Conditions`` (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``) are
evaluated against parameter defaults: ``Fn::If`` takes the chosen branch, ``AWS::NoValue``
removes the property or list item, and a resource whose ``Condition`` is false is not created.
A condition that depends on an unknown value leaves ``Fn::If`` unevaluated (``${Fn::If}``).
Other intrinsic functions stay unevaluated too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from aispm.core.model import JSON
from aispm.discover.iac.resource import IacResource


class TemplateError(Exception):
    """The file is not a readable template."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader with CloudFormation tags and without YAML 1.1 timestamps (``2012-10-17``)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _intrinsic)

PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}

_NO_VALUE: Any = object()
"""``Ref: AWS::NoValue``: the enclosing property or list item is removed."""


_RESOURCES = re.compile(rb'^(?:Resources|"Resources")\s*:|"Resources"\s*:', re.M)
_RESOURCE_TYPE = re.compile(rb"""["']?Type["']?\s*:\s*["']?(?:AWS|Custom|Alexa)::""")
HEAD_BYTES = 65536
"""How much of a file :func:`looks_like_template` reads: the Parameters, Mappings and Metadata
sections before ``Resources`` often fill the first kilobytes."""


def looks_like_template(head: bytes) -> bool:
    """Cheap test on a file's first bytes: the format version, or a top-level ``Resources`` with
    an ``AWS::``/``Custom::`` resource type."""
    return b"AWSTemplateFormatVersion" in head or bool(
        _RESOURCES.search(head) and _RESOURCE_TYPE.search(head)
    )


def load_template(text: str, is_json: bool) -> dict[str, Any]:
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TemplateError(f"not a valid {'JSON' if is_json else 'YAML'} template: {first[:200]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError("no Resources section")
    return data


def template_resources(data: dict[str, Any], text: str, rel: str) -> list[IacResource]:
    """The resources of a loaded template with intrinsic functions resolved where possible."""
    params = {k: v.get("Default") for k, v in (data.get("Parameters") or {}).items() if isinstance(v, dict)}
    conditions = data.get("Conditions")
    ctx = _Context(
        params,
        data.get("Mappings") or {},
        set(data["Resources"]),
        conditions if isinstance(conditions, dict) else {},
    )
    out = []
    for logical, body in data["Resources"].items():
        if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
            continue
        if isinstance(body.get("Condition"), str) and ctx.condition(body["Condition"]) is False:
            continue  # not created with the parameter defaults
        attrs: dict[str, JSON] = {}
        refs: dict[str, list[str]] = {}
        for key, raw in (body.get("Properties") or {}).items():
            found: list[str] = []
            value = ctx.resolve(raw, found)
            if value is not _NO_VALUE:
                attrs[key] = value
            if found:
                refs[key] = [r for r in dict.fromkeys(found) if r != logical]
        out.append(
            IacResource(
                engine="cloudformation",
                type=body["Type"],
                name=str(logical),
                address=f"cfn:{rel}/{logical}",
                file=rel,
                line=_line_of(text, str(logical)),
                attrs=attrs,
                refs=refs,
            )
        )
    return out


class _Context:
    """Parameters, mappings, resource names and conditions of one template."""

    def __init__(
        self, params: dict[str, Any], mappings: Any, names: set[str], conditions: dict[str, Any]
    ) -> None:
        self.params = params
        self.mappings = mappings
        self.names = names
        self.conditions = conditions
        self._values: dict[str, bool | None] = {}
        self._evaluating: set[str] = set()

    def condition(self, name: str) -> bool | None:
        """The value of a named condition with the parameter defaults; ``None`` when unknown."""
        if name not in self._values:
            if name in self._evaluating or name not in self.conditions:
                return None
            self._evaluating.add(name)
            try:
                self._values[name] = self.test(self.conditions[name])
            finally:
                self._evaluating.discard(name)
        return self._values[name]

    def test(self, value: Any) -> bool | None:
        """A condition function (``Fn::Equals`` / ``Not`` / ``And`` / ``Or`` / ``Condition``)."""
        if not isinstance(value, dict) or len(value) != 1:
            return value if isinstance(value, bool) else None
        ((fn, arg),) = value.items()
        if fn == "Condition" and isinstance(arg, str):
            return self.condition(arg)
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            left, right = (self.resolve(a, []) for a in arg)
            if _unknown(left) or _unknown(right):
                return None
            return str(left) == str(right) if not isinstance(left, dict | list) else left == right
        items = [self.test(a) for a in arg] if isinstance(arg, list) else []
        if fn == "Fn::Not" and len(items) == 1:
            return None if items[0] is None else not items[0]
        if fn == "Fn::And" and items:
            return False if False in items else (None if None in items else True)
        if fn == "Fn::Or" and items:
            return True if True in items else (None if None in items else False)
        return None

    def resolve(self, value: Any, refs: list[str]) -> JSON:
        """A value with intrinsic functions resolved where possible; references go to ``refs``."""
        if isinstance(value, list):
            items = [self.resolve(v, refs) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref" and arg == "AWS::NoValue":
                return _NO_VALUE
            if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
                chosen = self.condition(arg[0])
                if chosen is not None:
                    return self.resolve(arg[1] if chosen else arg[2], refs)
            return self._function(fn, arg, refs, value)
        resolved = {str(k): self.resolve(v, refs) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _function(self, fn: str, arg: Any, refs: list[str], value: dict[str, Any]) -> JSON:
        params, names = self.params, self.names
        if fn == "Ref" and isinstance(arg, str):
            if arg in names:
                refs.append(arg)
                return "${" + arg + "}"
            if params.get(arg) is not None:
                return params[arg]
            return PSEUDO.get(arg, "${" + arg + "}")
        if fn == "Fn::GetAtt" and isinstance(arg, list) and arg:
            if arg[0] in names:
                refs.append(str(arg[0]))
            return "${" + ".".join(str(a) for a in arg) + "}"
        if fn == "Fn::Sub":
            template, local = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
            if isinstance(template, str):
                values = {k: self.resolve(v, refs) for k, v in (local or {}).items()}
                return _sub(template, values, params, names, refs)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = self.resolve(arg[1], refs)
            if isinstance(parts, list) and all(isinstance(p, str | int | float) for p in parts):
                return str(arg[0]).join(str(p) for p in parts)
            return "${Fn::Join}"
        if fn == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
            text = self.resolve(arg[1], refs)
            if isinstance(arg[0], str) and isinstance(text, str) and not _unknown(text):
                return text.split(arg[0])
            return "${Fn::Split}"
        if fn == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            items = self.resolve(arg[1], refs)
            index = self.resolve(arg[0], refs)
            if isinstance(items, list) and str(index).isdigit() and int(str(index)) < len(items):
                return items[int(str(index))]
            return "${Fn::Select}"
        if fn == "Fn::FindInMap" and isinstance(arg, list) and len(arg) == 3:
            keys = [self.resolve(a, refs) for a in arg]
            try:
                return self.mappings[keys[0]][keys[1]][keys[2]]
            except (KeyError, TypeError):
                return "${Fn::FindInMap}"
        if fn.startswith("Fn::") or fn == "Condition":
            self.resolve(arg, refs)  # still record the references inside
            return "${" + fn + "}"
        resolved = {str(k): self.resolve(v, refs) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}


def _unknown(value: JSON) -> bool:
    return value is _NO_VALUE or (isinstance(value, str) and "${" in value)


_SUB = re.compile(r"\$\{(!?)([^}]+)\}")


def _sub(
    template: str, local: dict[str, JSON], params: dict[str, Any], names: set[str], refs: list[str]
) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return "${" + match.group(2) + "}"
        name = match.group(2).strip()
        head = name.split(".")[0]
        if name in local and isinstance(local[name], str | int | float):
            return str(local[name])
        if head in names:
            refs.append(head)
            return match.group(0)
        if params.get(name) is not None:
            return str(params[name])
        return str(PSEUDO.get(name, match.group(0)))

    return _SUB.sub(replace, template)


def _line_of(text: str, logical: str) -> int | None:
    match = re.search(rf'^[ \t]*"?{re.escape(logical)}"?[ \t]*:', text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None
