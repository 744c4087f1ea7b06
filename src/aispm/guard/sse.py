"""An incremental Server-Sent Events parser that keeps each event's raw bytes for forwarding."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SSEEvent:
    raw: bytes
    """The event as received, with its terminating blank line."""
    event: str | None
    data: str

    def json(self) -> dict[str, Any] | None:
        """The data as a JSON object, or None (``[DONE]``, comments, non-objects)."""
        if not self.data or self.data.startswith("[DONE]"):
            return None
        try:
            value = json.loads(self.data)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class SSEParser:
    """Feed bytes as they arrive; get back the complete events."""

    MAX_EVENT = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._buffer = b""
        self._carry = b""

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        data, self._carry = self._carry + chunk, b""
        if data.endswith(b"\r"):  # a CRLF split across chunks
            data, self._carry = data[:-1], b"\r"
        self._buffer += data.replace(b"\r\n", b"\n")
        events: list[SSEEvent] = []
        while True:
            end = self._buffer.find(b"\n\n")
            if end < 0:
                if len(self._buffer) > self.MAX_EVENT:
                    raise ValueError("server-sent event larger than 8 MiB")
                return events
            raw, self._buffer = self._buffer[: end + 2], self._buffer[end + 2 :]
            events.append(parse_event(raw))

    def rest(self) -> list[SSEEvent]:
        """An unterminated last event, if the stream ended without its blank line."""
        if not self._buffer.strip():
            return []
        raw, self._buffer = self._buffer + b"\n\n", b""
        return [parse_event(raw)]


def parse_event(raw: bytes) -> SSEEvent:
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", "replace").split("\n"):
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return SSEEvent(raw, name, "\n".join(data))
