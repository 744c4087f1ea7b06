"""Terraform modules (``.tf``): every file of a directory parsed together with python-hcl2.

Variables take their ``terraform.tfvars`` / ``*.auto.tfvars`` value or their default, locals are
evaluated on demand, and ``data "aws_iam_policy_document"`` blocks become the JSON policy they
render; references to other resources are kept (for relationships) when their value is unknown
until apply (``.arn``, ``.id``).  Modules called with ``module`` blocks are scanned where they
live in the tree, not instantiated with the caller's arguments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import JSON
from aispm.discover.iac.hcl_eval import MISSING, Evaluator
from aispm.discover.iac.resource import IacResource

_COMPUTED = frozenset({"arn", "id", "unique_id", "endpoint", "url"})


@dataclass(slots=True)
class _Block:
    type: str
    name: str
    body: dict[str, Any]
    file: str
    line: int | None


@dataclass(slots=True)
class TerraformModule:
    """The declarations of one directory of ``.tf`` files."""

    directory: str
    """Directory relative to the scan root (``.`` for the root)."""
    resources: list[_Block] = field(default_factory=list)
    data: dict[str, _Block] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    tfvars: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(file, message) of files that did not parse."""
    _evaluating: set[str] = field(default_factory=set)

    def add_file(self, rel: str, text: str) -> None:
        """Parse one ``.tf`` file of the module; a syntax error is recorded, not raised."""
        parsed = _parse(rel, text, self.errors)
        if parsed is None:
            return
        for item in parsed.get("variable", []):
            for name, body in item.items():
                if isinstance(body, dict) and "default" in body:
                    self.variables[_unquote(name)] = body["default"]
        for item in parsed.get("locals", []):
            for name, value in item.items():
                if not name.startswith("__"):
                    self.locals[name] = value
        for kind in ("resource", "data"):
            for item in parsed.get(kind, []):
                for rtype, named in item.items():
                    if not isinstance(named, dict):
                        continue
                    for rname, body in named.items():
                        if not isinstance(body, dict):
                            continue
                        block = _Block(_unquote(rtype), _unquote(rname), body, rel, None)
                        block.line = _line_of(text, kind, block.type, block.name)
                        if kind == "resource":
                            self.resources.append(block)
                        else:
                            self.data[f"data.{block.type}.{block.name}"] = block

    def add_tfvars(self, rel: str, text: str) -> None:
        """Values of a ``.tfvars`` file override variable defaults."""
        parsed = _parse(rel, text, self.errors)
        if parsed is not None:
            self.tfvars.update({k: v for k, v in parsed.items() if not k.startswith("__")})

    def evaluate(self) -> Iterator[IacResource]:
        """Every resource with its attributes evaluated as far as possible."""
        for block in self.resources:
            attrs: dict[str, JSON] = {}
            refs: dict[str, list[str]] = {}
            for key, raw in block.body.items():
                if key.startswith("__") or key in (
                    "lifecycle",
                    "depends_on",
                    "provider",
                    "count",
                    "for_each",
                ):
                    continue
                ev = Evaluator(self._resolve)
                attrs[key] = ev.value(raw)
                if ev.refs:
                    refs[key] = [r for r in ev.refs if r != f"{block.type}.{block.name}"]
            yield IacResource(
                engine="terraform",
                type=block.type,
                name=block.name,
                address=f"tf:{self.directory}/{block.type}.{block.name}",
                file=block.file,
                line=block.line,
                attrs=attrs,
                refs=refs,
            )

    # ---- references ----------------------------------------------------------------------------

    def _resolve(self, ref: str) -> JSON:
        if ref in self._evaluating:
            return MISSING
        self._evaluating.add(ref)
        try:
            return self._lookup(ref)
        finally:
            self._evaluating.discard(ref)

    def _lookup(self, ref: str) -> JSON:
        parts = re.split(r"\.|\[", ref)
        head = parts[0]
        if head == "var" and len(parts) >= 2:
            name = parts[1]
            if name in self.tfvars:
                return _dig(Evaluator(self._resolve).value(self.tfvars[name]), parts[2:])
            if name in self.variables:
                return _dig(Evaluator(self._resolve).value(self.variables[name]), parts[2:])
            return MISSING
        if head == "local" and len(parts) >= 2 and parts[1] in self.locals:
            return _dig(Evaluator(self._resolve).value(self.locals[parts[1]]), parts[2:])
        if head == "data" and len(parts) >= 4:
            block = self.data.get(".".join(parts[:3]))
            if block is not None and block.type == "aws_iam_policy_document" and parts[3] == "json":
                return json.dumps(self._policy_document(block), separators=(",", ":"))
            return MISSING
        if len(parts) >= 3 and parts[2] not in _COMPUTED:
            for block in self.resources:
                if block.type == head and block.name == parts[1] and parts[2] in block.body:
                    return _dig(Evaluator(self._resolve).value(block.body[parts[2]]), parts[3:])
        return MISSING

    def _policy_document(self, block: _Block) -> dict[str, JSON]:
        """The JSON document an ``aws_iam_policy_document`` data source renders."""
        body = Evaluator(self._resolve).value(block.body)
        assert isinstance(body, dict)
        statements = []
        for st in _blocks(body.get("statement")):
            out: dict[str, JSON] = {"Effect": st.get("effect", "Allow")}
            if st.get("sid"):
                out["Sid"] = st["sid"]
            for src, dst in (
                ("actions", "Action"),
                ("not_actions", "NotAction"),
                ("resources", "Resource"),
                ("not_resources", "NotResource"),
            ):
                if st.get(src) is not None:
                    out[dst] = st[src]
            for src, dst in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
                principals: dict[str, JSON] = {}
                for p in _blocks(st.get(src)):
                    principals[str(p.get("type"))] = p.get("identifiers")
                if principals:
                    out[dst] = "*" if principals == {"*": ["*"]} else principals
            conditions: dict[str, dict[str, JSON]] = {}
            for c in _blocks(st.get("condition")):
                conditions.setdefault(str(c.get("test")), {})[str(c.get("variable"))] = c.get("values")
            if conditions:
                out["Condition"] = conditions
            statements.append(out)
        return {"Version": body.get("version", "2012-10-17"), "Statement": statements}


def _blocks(value: JSON) -> list[dict[str, JSON]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dig(value: JSON, path: list[str]) -> JSON:
    for part in path:
        key = part.rstrip("]").strip('"')
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
            value = value[0].get(key, MISSING)  # a single nested block
        elif isinstance(value, dict):
            value = value.get(key, MISSING)
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _parse(rel: str, text: str, errors: list[tuple[str, str]]) -> dict[str, Any] | None:
    import hcl2
    from hcl2.utils import SerializationOptions

    try:
        parsed = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False))
    except Exception as exc:  # lark raises several error types for malformed HCL
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        errors.append((rel, f"not valid HCL: {first[:200]}"))
        return None
    return parsed if isinstance(parsed, dict) else None


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _line_of(text: str, kind: str, rtype: str, name: str) -> int | None:
    match = re.search(rf'^\s*{kind}\s+"?{re.escape(rtype)}"?\s+"?{re.escape(name)}"?\s*\{{', text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None
