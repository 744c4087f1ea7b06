"""Keras model configs (``.keras`` config.json, HDF5 ``model_config``, SavedModel
``keras_metadata.pb``): Lambda layers at any depth, custom objects outside Keras, and functions
named by module.  Read as JSON (HDF5 attributes through h5py); Keras is never imported."""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from functools import cache
from typing import Any

from aispm.artifacts.callables import DANGEROUS, classify
from aispm.artifacts.context import Ctx, Malformed, Outcome
from aispm.artifacts.protobuf_wire import submessages, text
from aispm.artifacts.sniff import formats_config
from aispm.core.model import Severity

_MAX_NODES = 1_000_000


@cache
def _config() -> tuple[frozenset[str], tuple[str, ...]]:
    data = formats_config()
    return frozenset(data["keras_code_layers"]), tuple(data["keras_builtin_modules"])


def _strings(code: bytes) -> list[str]:
    """Printable strings inside marshal'ed bytecode (names and constants), as evidence."""
    return [s.decode("ascii") for s in re.findall(rb"[ -~]{3,}", code)][:12]


def _function_evidence(function: Any) -> str:
    """What a Lambda's serialized function says: its module/name or the strings of its code."""
    raw: Any = function
    if isinstance(function, dict):
        inner = function.get("config")
        raw = inner.get("code") if isinstance(inner, dict) else inner
    if isinstance(function, list | tuple) and function:
        raw = function[0]
    if isinstance(raw, str):
        try:
            code = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            return raw[:120]
        strings = _strings(code)
        return f"marshal'ed bytecode ({len(code):,} bytes) naming {strings}" if strings else raw[:120]
    return json.dumps(raw)[:120]


def walk_config(doc: Any, out: Outcome, member: str | None) -> None:
    """Add issues for every Lambda layer, custom object and named function in a Keras config."""
    code_layers, builtin = _config()
    stack: list[tuple[Any, str]] = [(doc, "")]
    count = 0
    while stack:
        node, where = stack.pop()
        count += 1
        if count > _MAX_NODES:
            raise Malformed("Keras config too large")
        if isinstance(node, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        cls = node.get("class_name")
        raw_config = node.get("config")
        config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
        name = config.get("name")
        label = f"layer {name!r}" if name else where or "model"
        if cls in code_layers:
            evidence = _function_evidence(config.get("function"))
            out.add(
                "lambda_layer",
                Severity.CRITICAL,
                f"{cls} {label} runs Python code: {evidence}",
                callable=f"keras.layers.{cls}",
                member=member,
            )
        elif cls == "__lambda__":
            out.add(
                "lambda_layer",
                Severity.CRITICAL,
                f"serialized lambda at {label}: {_function_evidence(node)}",
                member=member,
            )
        module = node.get("module")
        if isinstance(module, str) and cls is not None:
            qualified = f"{module}.{node.get('config') if cls == 'function' else cls}"
            if not module.startswith(builtin):
                verdict = classify(qualified)
                severity = verdict.severity if verdict.kind == DANGEROUS else Severity.MEDIUM
                kind = "dangerous_call" if verdict.kind == DANGEROUS else "custom_object"
                out.add(
                    kind,
                    severity or Severity.MEDIUM,
                    f"{label} imports {qualified}",
                    callable=qualified,
                    member=member,
                )
        registered = node.get("registered_name")
        if isinstance(registered, str) and ">" in registered and not str(module or "").startswith(builtin):
            out.add(
                "custom_object", Severity.MEDIUM, f"{label} needs custom object {registered!r}", member=member
            )
        stack.extend(
            (value, f"{where}.{key}") for key, value in node.items() if isinstance(value, dict | list)
        )


def scan_keras_config_bytes(data: bytes, out: Outcome, member: str | None) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise Malformed(f"{member or 'config'}: not valid JSON") from None
    walk_config(doc, out, member)


def scan_keras_h5(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "keras_h5"
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is a dependency
        raise Malformed("HDF5 files need the h5py package, which is not installed") from None
    try:
        with h5py.File(io.BytesIO(bytes(buf)), "r") as handle:
            attrs = {
                k: handle.attrs[k] for k in ("model_config", "keras_version", "backend") if k in handle.attrs
            }
    except Exception as exc:  # h5py raises OSError/KeyError/ValueError for hostile files
        raise Malformed(f"HDF5: {type(exc).__name__}: {exc}") from None
    config = attrs.get("model_config")
    if config is None:
        out.format = "hdf5"
        return
    for key in ("keras_version", "backend"):
        if key in attrs:
            value = attrs[key]
            out.metadata[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    raw = config.encode() if isinstance(config, str) else bytes(config)
    scan_keras_config_bytes(raw, out, None)


def scan_keras_metadata_pb(data: bytes, out: Outcome) -> None:
    """``keras_metadata.pb``: each saved object's metadata is a JSON document."""
    try:
        for node in submessages(data, (0, len(data)), 1):
            meta = text(data, node, 5, limit=16 * 1024 * 1024)
            if meta and meta.lstrip().startswith("{"):
                try:
                    walk_config(json.loads(meta), out, "keras_metadata.pb")
                except (ValueError, RecursionError):
                    continue
    except Malformed as exc:
        out.error = str(exc)
