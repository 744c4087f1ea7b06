"""ONNX: walk the ModelProto (protobuf wire format, no onnx import) for custom operator domains
and external-data locations that escape the model's folder."""

from __future__ import annotations

import posixpath
from typing import Any

from aispm.artifacts.context import Ctx, Outcome
from aispm.artifacts.protobuf_wire import fields, submessages, text
from aispm.artifacts.sniff import formats_config
from aispm.core.model import Severity

_MAX_GRAPH_DEPTH = 16


def scan_onnx(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "onnx"
    whole = (0, len(buf))
    standard = frozenset(formats_config()["onnx_standard_domains"])
    stats = {"nodes": 0, "external": 0}
    for number, wire, value in fields(buf):
        if number == 1 and wire == 0:
            out.metadata["ir_version"] = value
        elif number == 2 and wire == 2:
            out.metadata["producer"] = bytes(buf[value[0] : min(value[1], value[0] + 200)]).decode(
                "utf-8", "replace"
            )
        elif number == 7 and wire == 2:
            _graph(buf, value, ctx, out, standard, stats, 0)
        elif number == 25 and wire == 2:  # FunctionProto: local functions
            for node in submessages(buf, value, 7):
                _node(buf, node, ctx, out, standard, stats, 0)
        elif number == 8 and wire == 2:
            domain = text(buf, value, 1) or ""
            if domain not in standard:
                out.add("custom_op_domain", Severity.MEDIUM, f"opset import of custom domain {domain!r}")
    del whole
    out.metadata.update(stats)


def _graph(
    buf: Any,
    span: tuple[int, int],
    ctx: Ctx,
    out: Outcome,
    standard: frozenset[str],
    stats: dict[str, int],
    depth: int,
) -> None:
    if depth > _MAX_GRAPH_DEPTH:
        out.add("limit", Severity.MEDIUM, f"subgraphs nested deeper than {_MAX_GRAPH_DEPTH}")
        return
    ctx.budget.check_time()
    for number, wire, value in fields(buf, *span):
        if wire != 2:
            continue
        if number == 1:
            _node(buf, value, ctx, out, standard, stats, depth)
        elif number == 5:
            _tensor(buf, value, out, stats)
        elif number == 15:
            for inner in submessages(buf, value, 1):
                _tensor(buf, inner, out, stats)


def _node(
    buf: Any,
    span: tuple[int, int],
    ctx: Ctx,
    out: Outcome,
    standard: frozenset[str],
    stats: dict[str, int],
    depth: int,
) -> None:
    stats["nodes"] += 1
    op_type = text(buf, span, 4) or "?"
    domain = text(buf, span, 7) or ""
    if domain not in standard:
        node_name = text(buf, span, 3) or ""
        out.add(
            "custom_op_domain",
            Severity.MEDIUM,
            f"node {node_name!r}: op {op_type} of custom domain {domain!r}",
            callable=f"{domain}.{op_type}",
        )
    for attr in submessages(buf, span, 5):
        for number, wire, value in fields(buf, *attr):
            if wire == 2 and number in (6, 11):
                _graph(buf, value, ctx, out, standard, stats, depth + 1)
            elif wire == 2 and number in (5, 10):
                _tensor(buf, value, out, stats)


def _tensor(buf: Any, span: tuple[int, int], out: Outcome, stats: dict[str, int]) -> None:
    for entry in submessages(buf, span, 13):
        key = text(buf, entry, 1)
        if key != "location":
            continue
        stats["external"] += 1
        location = text(buf, entry, 2) or ""
        reason = escape_reason(location)
        if reason:
            tensor = text(buf, span, 8) or "?"
            out.add(
                "external_data_escape",
                Severity.HIGH,
                f"tensor {tensor!r} reads external data from {location!r} ({reason})",
            )


def escape_reason(location: str) -> str | None:
    """Why an external-data location leaves the model's folder, or None."""
    cleaned = location.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return "absolute path"
    if "://" in cleaned:
        return "URL"
    if ".." in cleaned.split("/") or posixpath.normpath(cleaned).startswith(".."):
        return "parent-directory traversal"
    return None
