"""Generic protobuf wire-format decoding (no schema, no generated code): fields of a message as
``(number, wire_type, value)``, every length checked against the buffer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aispm.artifacts.context import Malformed


def _varint(buf: Any, pos: int, end: int) -> tuple[int, int]:
    result = 0
    for shift in range(0, 70, 7):
        if pos >= end:
            raise Malformed(f"protobuf varint truncated at offset {pos}")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
    raise Malformed(f"protobuf varint too long at offset {pos}")


def fields(buf: Any, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, Any]]:
    """Fields of the message in ``buf[start:end]``: varints as int, length-delimited as a
    ``(start, end)`` span (so huge tensors are skipped, not copied), fixed as bytes."""
    end = len(buf) if end is None else end
    pos = start
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise Malformed(f"protobuf field number 0 at offset {pos}")
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise Malformed(f"protobuf field {number} of {length:,} bytes runs past its message")
            yield number, wire, (pos, pos + length)
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise Malformed("protobuf fixed field truncated")
            yield number, wire, bytes(buf[pos : pos + size])
            pos += size
        else:
            raise Malformed(f"protobuf wire type {wire} unsupported at offset {pos}")


def submessages(buf: Any, span: tuple[int, int], number: int) -> Iterator[tuple[int, int]]:
    """Spans of the length-delimited fields ``number`` of the message at ``span``."""
    for num, wire, value in fields(buf, span[0], span[1]):
        if num == number and wire == 2:
            yield value


def text(buf: Any, span: tuple[int, int], number: int, limit: int = 4096) -> str | None:
    """The first string field ``number`` of the message at ``span``."""
    for sub in submessages(buf, span, number):
        return bytes(buf[sub[0] : min(sub[1], sub[0] + limit)]).decode("utf-8", "replace")
    return None
