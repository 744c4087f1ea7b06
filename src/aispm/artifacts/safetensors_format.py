"""safetensors: validate the JSON header and the tensors' offsets against the file."""

from __future__ import annotations

import itertools
import json
from typing import Any

from aispm.artifacts.context import Ctx, Malformed, Outcome
from aispm.core.model import Severity

MAX_HEADER = 100 * 1024 * 1024
_DTYPE_SIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F4": 1, "F6_E2M3": 1,
    "F6_E3M2": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "C64": 8,
    "F64": 8, "I64": 8, "U64": 8,
}  # fmt: skip


def scan_safetensors(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "safetensors"
    size = len(buf)
    length = int.from_bytes(bytes(buf[:8]), "little")
    if length > MAX_HEADER or 8 + length > size:
        out.add(
            "header_invalid", Severity.HIGH, f"header length {length:,} exceeds the file or the 100 MiB limit"
        )
        raise Malformed(f"safetensors header length {length:,} is out of bounds")
    try:
        header = json.loads(bytes(buf[8 : 8 + length]))
    except (ValueError, RecursionError) as exc:
        out.add("header_invalid", Severity.HIGH, f"header is not valid JSON: {exc}")
        raise Malformed("safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        out.add("header_invalid", Severity.HIGH, "header is not a JSON object")
        return
    data_size = size - 8 - length
    spans: list[tuple[int, int, str]] = []
    for key, entry in header.items():
        if key == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                out.add("header_invalid", Severity.MEDIUM, "__metadata__ must map strings to strings")
            continue
        problem = _tensor_problem(entry, data_size)
        if problem:
            out.add("header_invalid", Severity.HIGH, f"tensor {key!r}: {problem}")
            continue
        start, end = entry["data_offsets"]
        spans.append((start, end, key))
    spans.sort()
    for (s1, e1, k1), (s2, _e2, k2) in itertools.pairwise(spans):
        if s2 < e1:
            out.add(
                "header_invalid", Severity.HIGH, f"tensors {k1!r} and {k2!r} overlap ({s1}-{e1} and {s2})"
            )
    out.metadata["tensors"] = len(spans)


def _tensor_problem(entry: Any, data_size: int) -> str | None:
    if not isinstance(entry, dict):
        return "entry is not an object"
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in _DTYPE_SIZE:
        return f"unknown dtype {dtype!r}"
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        return "shape is not a list of non-negative integers"
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in offsets)
    ):
        return "data_offsets is not two integers"
    start, end = offsets
    if not 0 <= start <= end <= data_size:
        return f"data_offsets {start}-{end} outside the data section of {data_size:,} bytes"
    count = 1
    for n in shape:
        count *= n
    if count * _DTYPE_SIZE[dtype] != end - start and dtype not in ("F4", "F6_E2M3", "F6_E3M2"):
        return f"{end - start:,} bytes do not hold shape {shape} of {dtype}"
    return None
