"""NumPy ``.npy``: the header is a Python literal (read with ``ast.literal_eval``, which evaluates
no code); an object dtype means the data is a pickle, which is scanned."""

from __future__ import annotations

import ast
import io
from typing import Any

from aispm.artifacts.context import Ctx, Malformed, Outcome
from aispm.artifacts.pickle_scan import scan_pickle_stream
from aispm.core.model import Severity

_MAX_HEADER = 1024 * 1024


def _has_object(descr: Any, depth: int = 0) -> bool:
    if depth > 16:
        return False
    if isinstance(descr, str):
        return descr.lstrip("|<>=").startswith("O")
    if isinstance(descr, list | tuple):
        return any(_has_object(item, depth + 1) for item in descr)
    return False


def scan_npy(buf: Any, name: str, ctx: Ctx, out: Outcome, member: str | None = None) -> None:
    out.format = out.format or "numpy"
    head = bytes(buf[:10])
    if len(head) < 10:
        raise Malformed("truncated .npy header")
    major = head[6]
    if major not in (1, 2, 3):
        raise Malformed(f".npy format version {major} is unknown")
    width = 2 if major == 1 else 4
    length = int.from_bytes(bytes(buf[8 : 8 + width]), "little")
    if length > _MAX_HEADER or 8 + width + length > len(buf):
        out.add(
            "header_invalid",
            Severity.MEDIUM,
            f".npy header length {length:,} is out of bounds",
            member=member,
        )
        raise Malformed(f".npy header length {length:,} is out of bounds")
    start = 8 + width
    text = bytes(buf[start : start + length]).decode("latin-1" if major < 3 else "utf-8", "replace")
    try:
        header = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise Malformed(".npy header is not a Python literal") from None
    if not isinstance(header, dict) or "descr" not in header or "shape" not in header:
        raise Malformed(".npy header lacks descr/shape")
    descr = header["descr"]
    out.metadata.update({"npy_descr": str(descr)[:100], "npy_shape": str(header["shape"])[:100]})
    if _has_object(descr):
        out.metadata["object_dtype"] = True
        payload = start + length
        stream = io.BytesIO(bytes(buf[payload:]))
        scan_pickle_stream(stream, len(buf) - payload, ctx.budget, out, depth=ctx.depth, member=member)
