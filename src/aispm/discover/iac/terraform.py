"""Terraform modules (``.tf``): every file of a directory parsed together with python-hcl2.

Variables take their ``terraform.tfvars`` / ``*.auto.tfvars`` value (root module only), the
caller's argument (called modules) or their default; locals are evaluated on demand, and
``data "aws_iam_policy_document"`` blocks become the JSON policy they render; references to
other resources are kept (for relationships) when their value is unknown until apply (``.arn``,
``.id``).  ``count`` and ``for_each`` expand a resource into one instance per key
(``aws_x.y[0]``, ``aws_x.y["k"]``) with ``count.index`` / ``each.key`` / ``each.value``
substituted, ``dynamic`` blocks expand into nested blocks, and local modules are instantiated
by the analyzer with the caller's arguments under ``module.<name>.`` (``outputs`` readable by
the caller).  A count or set that cannot be evaluated gives one instance marked unexpanded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import JSON
from aispm.discover.iac.hcl_eval import MISSING, Evaluator, FileReader, Resolver
from aispm.discover.iac.resource import IacResource

_COMPUTED = frozenset({"arn", "id", "unique_id", "endpoint", "url"})
_META = frozenset({"lifecycle", "depends_on", "provider", "providers", "count", "for_each"})

Scope = dict[str, JSON]
"""Iteration variables by name: ``{"each": {"key": k, "value": v}}``, ``{"count": {"index": 0}}``."""


@dataclass(slots=True)
class _Block:
    type: str
    name: str
    body: dict[str, Any]
    file: str
    line: int | None


@dataclass(slots=True)
class Instance:
    """One instance of a resource or module call: ``[0]`` / ``["k"]`` suffix and its scope."""

    suffix: str
    scope: Scope
    expanded: bool = True


@dataclass(slots=True)
class TerraformModule:
    """The declarations of one directory of ``.tf`` files (one module instance)."""

    directory: str
    """Directory of the root module, relative to the scan root (``.`` for the root): the base of
    every address."""
    prefix: str = ""
    """``module.<name>.`` (nested: ``module.a.module.b.``) for a called module, empty for the root."""
    inputs: dict[str, JSON] | None = None
    """The caller's evaluated arguments (called modules), overriding variable defaults."""
    input_refs: dict[str, list[str]] = field(default_factory=dict)
    """Resources (full local names, caller's prefix) each argument of the caller names."""
    files: FileReader | None = None
    """Reads a file of this module's directory for ``file()`` / ``templatefile()`` (``None``: the
    file is outside the scanned tree or unreadable)."""
    resources: list[_Block] = field(default_factory=list)
    data: dict[str, _Block] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    tfvars: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    module_calls: list[_Block] = field(default_factory=list)
    children: dict[str, TerraformModule] = field(default_factory=dict)
    """Instantiated local modules by call name (with the instance suffix: ``ml``, ``ml["a"]``)."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(file, message) of files that did not parse."""
    notes: list[tuple[str, int | None, str]] = field(default_factory=list)
    """(file, line, message) of what could not be evaluated (unknown counts, dynamic sets)."""
    _evaluating: set[str] = field(default_factory=set)
    _instances: dict[str, list[Instance]] = field(default_factory=dict)
    _output_refs: list[str] = field(default_factory=list)
    """Resources (full local names) behind the locals, arguments and module outputs read since
    last drained: a reference through ``local.x`` still names the resource behind it."""
    _local_values: dict[str, tuple[JSON, list[str], list[str]]] = field(default_factory=dict)
    """``local.<name>``: (value, resources named in it, full names of resources behind the
    module outputs and arguments it reads)."""
    _known: tuple[set[str], dict[str, list[str]]] | None = None
    _expanding: bool = False

    def _evaluator(self, resolve: Resolver) -> Evaluator:
        return Evaluator(resolve, files=self.files)

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
        for item in parsed.get("output", []):
            for name, body in item.items():
                if isinstance(body, dict) and "value" in body:
                    self.outputs[_unquote(name)] = body["value"]
        for item in parsed.get("module", []):
            for name, body in item.items():
                if isinstance(body, dict):
                    call = _Block("module", _unquote(name), body, rel, None)
                    call.line = _line_of(text, "module", call.name)
                    self.module_calls.append(call)
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

    # ---- instances -----------------------------------------------------------------------------

    def instances(self, block: _Block) -> list[Instance]:
        """The instances ``count`` / ``for_each`` make of a resource or module call (cached)."""
        key = f"{block.type}.{block.name}"
        if key not in self._instances:
            self._instances[key] = self._expand(block)
        return self._instances[key]

    def _expand(self, block: _Block) -> list[Instance]:
        body = block.body
        if "count" in body:
            count = self._evaluator(self._resolve).value(body["count"])
            if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= 1000:
                return [Instance(f"[{i}]", {"count": {"index": i}}) for i in range(count)]
            return self._unknown(block, "count", count)
        if "for_each" in body:
            items = self._evaluator(self._resolve).value(body["for_each"])
            pairs = _for_each_pairs(items)
            if pairs is None:
                return self._unknown(block, "for_each", items)
            return [Instance(f"[{json.dumps(k)}]", {"each": {"key": k, "value": v}}) for k, v in pairs]
        return [Instance("", {})]

    def _unknown(self, block: _Block, what: str, value: JSON) -> list[Instance]:
        self.notes.append(
            (
                block.file,
                block.line,
                f"{self.prefix}{block.type}.{block.name}: {what} = {_short(value)} cannot be evaluated; "
                "read as one instance (iac.expanded: false)",
            )
        )
        return [Instance("", {}, expanded=False)]

    def module_instances(self, call: _Block) -> list[tuple[str, dict[str, JSON], dict[str, list[str]]]]:
        """(suffix, evaluated arguments, resources each argument names) of each instance of a
        ``module`` call."""
        out = []
        for inst in self.instances(call):
            resolve = _scoped(self._resolve, inst.scope)
            args: dict[str, JSON] = {}
            refs: dict[str, list[str]] = {}
            for key, raw in call.body.items():
                if key.startswith("__") or key in _META or key in ("source", "version"):
                    continue
                self._output_refs.clear()
                ev = self._evaluator(resolve)
                args[key] = ev.value(raw)
                refs[key] = list(dict.fromkeys([*self._mapped(ev.refs), *self._output_refs]))
                self._output_refs.clear()
            out.append((inst.suffix, args, refs))
        return out

    def _mapped(self, refs: list[str]) -> list[str]:
        """Full local names (with this module's prefix) of the resources of ``refs``."""
        known, by_base = self._locals()
        return [self.prefix + t for r in refs for t in _map_ref(r, known, by_base)]

    def source_of(self, call: _Block) -> str:
        """The evaluated ``source`` of a module call (empty when not a string)."""
        value = self._evaluator(self._resolve).value(call.body.get("source", ""))
        return value if isinstance(value, str) else ""

    # ---- evaluation ----------------------------------------------------------------------------

    def evaluate(self) -> Iterator[IacResource]:
        """Every resource instance of this module and its called modules, evaluated as far as possible."""
        # what was evaluated while the called modules were being read may have needed their outputs
        self._local_values.clear()
        self._known = None
        self._instances = {k: v for k, v in self._instances.items() if k.startswith("module.")}
        known, by_base = self._locals()
        for block in self.resources:
            for inst in self.instances(block):
                resolve = _scoped(self._resolve, inst.scope)
                attrs: dict[str, JSON] = {}
                refs: dict[str, list[str]] = {}
                own = f"{block.type}.{block.name}"
                for key, raw in block.body.items():
                    if key.startswith("__") or key in _META:
                        continue
                    found: list[str] = []
                    self._output_refs.clear()
                    if key == "dynamic":
                        for name, blocks in self._dynamic(raw, resolve, found, block).items():
                            existing = attrs.get(name)
                            attrs[name] = [*(existing if isinstance(existing, list) else []), *blocks]
                    else:
                        attrs[key] = self._value(raw, resolve, found, block)
                    mapped = [
                        self.prefix + t
                        for r in found
                        for t in _map_ref(r, known, by_base)
                        if r != own and not r.startswith(own + "[")
                    ]
                    mapped.extend(self._output_refs)
                    self._output_refs.clear()
                    if mapped:
                        refs[key] = list(dict.fromkeys(mapped))
                name = block.name + inst.suffix
                yield IacResource(
                    engine="terraform",
                    type=block.type,
                    name=name,
                    address=f"tf:{self.directory}/{self.prefix}{block.type}.{name}",
                    file=block.file,
                    line=block.line,
                    attrs=attrs,
                    refs=refs,
                    module=self.prefix,
                    expanded=inst.expanded,
                )
        for child in self.children.values():
            yield from child.evaluate()

    def _value(self, raw: Any, resolve: Resolver, found: list[str], block: _Block) -> JSON:
        """A value; nested blocks (lists of ``__is_block__`` dicts) have their ``dynamic`` expanded."""
        if isinstance(raw, list) and raw and all(isinstance(b, dict) and b.get("__is_block__") for b in raw):
            return [self._nested_block(b, resolve, found, block) for b in raw]
        ev = self._evaluator(resolve)
        value = ev.value(raw)
        found.extend(ev.refs)
        return value

    def _nested_block(self, body: dict[str, Any], resolve: Resolver, found: list[str], block: _Block) -> JSON:
        out: dict[str, JSON] = {}
        for key, raw in body.items():
            if key.startswith("__"):
                continue
            if key == "dynamic":
                for name, blocks in self._dynamic(raw, resolve, found, block).items():
                    existing = out.get(name)
                    out[name] = [*(existing if isinstance(existing, list) else []), *blocks]
            else:
                out[_unquote(key)] = self._value(raw, resolve, found, block)
        return out

    def _dynamic(self, raw: Any, resolve: Resolver, found: list[str], block: _Block) -> dict[str, list[JSON]]:
        """``dynamic "label" { for_each, iterator, content }`` → the nested blocks it generates."""
        out: dict[str, list[JSON]] = {}
        for item in raw if isinstance(raw, list) else [raw]:
            if not isinstance(item, dict):
                continue
            for label, spec in item.items():
                if label.startswith("__") or not isinstance(spec, dict):
                    continue
                name = _unquote(label)
                iterator = str(spec.get("iterator") or name).removeprefix("${").removesuffix("}").strip()
                content = spec.get("content")
                content = content[0] if isinstance(content, list) and content else content
                if not isinstance(content, dict):
                    continue
                ev = self._evaluator(resolve)
                items = ev.value(spec.get("for_each"))
                found.extend(ev.refs)
                pairs = _for_each_pairs(items, list_keys_are_indexes=True)
                inner: list[str] = []
                blocks: list[JSON] = []
                if pairs is None:
                    self.notes.append(
                        (
                            block.file,
                            block.line,
                            f"{self.prefix}{block.type}.{block.name}: dynamic {name!r} for_each = "
                            f"{_short(items)} cannot be evaluated; read as one block",
                        )
                    )
                    blocks.append(self._nested_block(content, resolve, inner, block))
                else:
                    for key, value in pairs:
                        scope: Scope = {iterator: {"key": key, "value": value}}
                        blocks.append(self._nested_block(content, _scoped(resolve, scope), inner, block))
                found.extend(r for r in inner if not r.startswith(iterator + "."))
                out.setdefault(name, []).extend(blocks)
        return out

    def _locals(self) -> tuple[set[str], dict[str, list[str]]]:
        """Local names of every resource instance, and the instances of each ``type.name``."""
        if self._known is None:
            if self._expanding:
                return set(), {}  # asked while counting instances, where references are not used
            self._expanding = True
            try:
                by_base: dict[str, list[str]] = {}
                for block in self.resources:
                    base = f"{block.type}.{block.name}"
                    by_base[base] = [base + inst.suffix for inst in self.instances(block)]
                self._known = {local for locals_ in by_base.values() for local in locals_}, by_base
            finally:
                self._expanding = False
        return self._known

    def output(self, name: str) -> tuple[JSON, list[str]]:
        """The value of one of this module's outputs (or :data:`MISSING`) and the resources it
        names (full local names: ``module.ml.aws_iam_role.exec``)."""
        if name not in self.outputs:
            return MISSING, []
        self._output_refs.clear()
        ev = self._evaluator(self._resolve)
        value = ev.value(self.outputs[name])
        known, by_base = self._locals()
        refs = [self.prefix + t for r in ev.refs for t in _map_ref(r, known, by_base)]
        refs.extend(self._output_refs)
        self._output_refs.clear()
        return value, refs

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
            if self.inputs is not None and name in self.inputs:
                self._output_refs.extend(self.input_refs.get(name, ()))
                return _dig(self.inputs[name], parts[2:])
            if self.inputs is None and name in self.tfvars:
                return _dig(self._evaluator(self._resolve).value(self.tfvars[name]), parts[2:])
            if name in self.variables:
                return _dig(self._evaluator(self._resolve).value(self.variables[name]), parts[2:])
            return MISSING
        if ref == "path.module":
            return "."  # file() and templatefile() read relative to the module's directory
        if head == "local" and len(parts) >= 2 and parts[1] in self.locals:
            value, refs, full = self._local(parts[1])
            self._output_refs.extend([*self._mapped(refs), *full])
            return _dig(value, parts[2:])
        if head == "data" and len(parts) >= 4:
            block = self.data.get(".".join(parts[:3]))
            if block is not None and block.type == "aws_iam_policy_document" and parts[3] == "json":
                return json.dumps(self._policy_document(block), separators=(",", ":"))
            return MISSING
        if head == "module" and len(parts) >= 3:
            child = self.children.get(parts[1])
            if child is None:
                return MISSING
            value, refs = child.output(parts[2])
            self._output_refs.extend(refs)
            return MISSING if value is MISSING else _dig(value, parts[3:])
        if len(parts) >= 4 and parts[2].endswith("]") and parts[3] not in _COMPUTED:
            return self._instance_attr(head, parts[1], parts[2].rstrip("]").strip('"'), parts[3:])
        if len(parts) >= 3 and parts[2] not in _COMPUTED:
            for block in self.resources:
                if block.type == head and block.name == parts[1] and parts[2] in block.body:
                    return _dig(self._evaluator(self._resolve).value(block.body[parts[2]]), parts[3:])
        return MISSING

    def _local(self, name: str) -> tuple[JSON, list[str], list[str]]:
        """``local.<name>``, evaluated once: (value, resources it names, full names of the
        resources behind the module outputs and arguments it reads)."""
        if name not in self._local_values:
            saved = list(self._output_refs)
            self._output_refs.clear()
            ev = self._evaluator(self._resolve)
            value = ev.value(self.locals[name])
            full = list(dict.fromkeys(self._output_refs))
            self._output_refs[:] = saved
            self._local_values[name] = (value, list(ev.refs), full)
        return self._local_values[name]

    def _instance_attr(self, rtype: str, rname: str, key: str, path: list[str]) -> JSON:
        """A literal attribute of one instance (``aws_iam_role.r[0].name``)."""
        for block in self.resources:
            if block.type == rtype and block.name == rname and path[0] in block.body:
                for inst in self.instances(block):
                    if inst.suffix.strip('[]"') == key:
                        resolve = _scoped(self._resolve, inst.scope)
                        return _dig(self._evaluator(resolve).value(block.body[path[0]]), path[1:])
        return MISSING

    def _policy_document(self, block: _Block) -> dict[str, JSON]:
        """The JSON document an ``aws_iam_policy_document`` data source renders."""
        body = self._evaluator(self._resolve).value(block.body)
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


def _scoped(resolve: Resolver, scope: Scope) -> Resolver:
    """``resolve`` with iteration variables (``each``, ``count``, a dynamic iterator) in front."""
    if not scope:
        return resolve

    def scoped(ref: str) -> JSON:
        parts = re.split(r"\.|\[", ref)
        if parts[0] in scope:
            return _dig(scope[parts[0]], parts[1:])
        return resolve(ref)

    return scoped


def _for_each_pairs(items: JSON, list_keys_are_indexes: bool = False) -> list[tuple[JSON, JSON]] | None:
    """(key, value) pairs of a known ``for_each`` value: a map (keys sorted, as Terraform does) or a
    set of strings (key = value); ``None`` when unknown.  A ``dynamic`` block over a list uses
    the index as key."""
    if isinstance(items, dict):
        if any(_unknown_text(k) for k in items):
            return None
        return sorted(items.items())
    if isinstance(items, list):
        if list_keys_are_indexes:
            return list(enumerate(items))
        if all(isinstance(v, str) and not _unknown_text(v) for v in items):
            return [(v, v) for v in sorted(set(items))]
    return None


def _unknown_text(value: JSON) -> bool:
    return isinstance(value, str) and "${" in value


def _map_ref(ref: str, known: set[str], by_base: dict[str, list[str]]) -> list[str]:
    """Local names a reference stands for: the instance named, else every instance of the resource."""
    if ref in known:
        return [ref]
    base = ref.split("[", 1)[0]
    return by_base.get(base, [base])


def _short(value: JSON) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


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


def _line_of(text: str, kind: str, *labels: str) -> int | None:
    names = r"\s+".join(rf'"?{re.escape(label)}"?' for label in labels)
    # [ \t]*, not \s*: with re.M, \s* would start the match at a blank line above the block
    match = re.search(rf"^[ \t]*{kind}\s+{names}\s*\{{", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None
