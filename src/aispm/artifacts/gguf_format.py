"""GGUF: header and metadata key/values (every declared length checked against the file);
chat templates in the metadata are checked for code."""

from __future__ import annotations

import struct
from typing import Any

from aispm.artifacts.context import Ctx, LimitExceeded, Malformed, Outcome

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_MAX_KV = 1_000_000
_MAX_STRING = 64 * 1024 * 1024
_KEEP_ARRAY = 64


class _Cursor:
    def __init__(self, buf: Any, version: int) -> None:
        self.buf = buf
        self.pos = 0
        self.size = len(buf)
        self.wide = version >= 2

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise Malformed(f"GGUF truncated: {n:,} bytes declared at offset {self.pos}, file ends before")
        out = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return out

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def count(self) -> int:
        return int(self.unpack("<Q" if self.wide else "<I"))

    def string(self) -> str:
        n = self.count()
        if n > _MAX_STRING:
            raise LimitExceeded(f"GGUF string of {n:,} bytes")
        return self.take(n).decode("utf-8", "replace")

    def value(self, kind: int, depth: int = 0) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == 8:
            return self.string()
        if kind == 9:
            if depth > 4:
                raise Malformed("GGUF arrays nested too deeply")
            inner = int(self.unpack("<I"))
            n = self.count()
            item = struct.calcsize(_SCALARS[inner]) if inner in _SCALARS else None
            if item is not None:
                if n * item > self.size - self.pos:
                    raise Malformed(f"GGUF array of {n:,} items is larger than the file")
                first = [self.value(inner) for _ in range(min(n, _KEEP_ARRAY))]
                self.take((n - len(first)) * item)
                return first
            if n > self.size - self.pos:
                raise Malformed(f"GGUF array of {n:,} items is larger than the file")
            return [self.value(inner, depth + 1) for _ in range(n)][:_KEEP_ARRAY]
        raise Malformed(f"GGUF value type {kind} is unknown")


def scan_gguf(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "gguf"
    if len(buf) < 8:
        raise Malformed("GGUF truncated header")
    version = int.from_bytes(bytes(buf[4:8]), "little")
    if not 1 <= version <= 3:
        raise Malformed(f"GGUF version {version} is unknown")
    cur = _Cursor(buf, version)
    cur.take(8)
    tensors = cur.count()
    kv_count = cur.count()
    if kv_count > _MAX_KV:
        raise LimitExceeded(f"GGUF declares {kv_count:,} metadata entries")
    out.metadata.update({"gguf_version": version, "tensors": tensors})
    templates: dict[str, str] = {}
    for index in range(kv_count):
        if index & 0xFF == 0:
            ctx.budget.check_time()
        key = cur.string()
        value = cur.value(int(cur.unpack("<I")))
        if key.startswith("tokenizer.chat_template") and isinstance(value, str):
            templates[key] = value
        elif key in ("general.license", "general.name", "general.architecture", "general.source.url"):
            out.metadata[key] = str(value)[:200]
    out.metadata["chat_template"] = bool(templates)
    if templates:
        from aispm.artifacts.template_check import check_template  # Jinja's parser: only when needed

        for key, template in templates.items():
            check_template(template, out, key)
