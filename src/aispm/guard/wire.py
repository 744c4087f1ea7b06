"""The two client APIs the gateway speaks: where text sits in requests, responses and stream
events, how usage is reported, and the provider's own error shapes.

A *slot* is ``(container, key, role)`` with ``container[key]`` a string: reading it gives the text
to inspect, assigning to it redacts the request or response in place.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

Slot = tuple[Any, Any, str]
"""``(container, key, role)``: ``container[key]`` is a text of the given role."""


class Wire(Protocol):
    """One client API's formats."""

    name: str

    def request_slots(self, path: str, body: dict[str, Any]) -> list[Slot]: ...
    def response_slots(self, path: str, body: dict[str, Any]) -> list[Slot]: ...
    def usage(self, body: dict[str, Any]) -> tuple[int | None, int | None]: ...
    def max_tokens(self, body: dict[str, Any]) -> int | None: ...
    def error(self, status: int, message: str, code: str) -> dict[str, Any]: ...
    def stream_delta(self, event: str | None, data: dict[str, Any]) -> str: ...
    def stream_usage(self, event: str | None, data: dict[str, Any]) -> tuple[int | None, int | None]: ...
    def stream_error(self, message: str, code: str) -> bytes: ...


def _text_parts(container: Any, key: Any, role: str, out: list[Slot], text_types: tuple[str, ...]) -> None:
    """``container[key]`` as a string, or a list of ``{"type": <text type>, "text": ...}`` parts."""
    value = container.get(key) if isinstance(container, dict) else None
    if isinstance(value, str):
        out.append((container, key, role))
    elif isinstance(value, list):
        for i, part in enumerate(value):
            if isinstance(part, str):
                out.append((value, i, role))
            elif (
                isinstance(part, dict)
                and part.get("type") in text_types
                and isinstance(part.get("text"), str)
            ):
                out.append((part, "text", role))


def sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def response_meta(data: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """``(model, id, finish reasons)`` of a response body or stream event of either API.

    OpenAI chat / completions (``choices[].finish_reason``) and Responses (``response.*`` events,
    ``status``), Anthropic Messages (``message_start``, ``message_delta.delta.stop_reason``).
    """
    if isinstance(data.get("response"), dict):  # Responses API stream events
        data = data["response"]
    elif data.get("type") == "message_start" and isinstance(data.get("message"), dict):
        data = data["message"]
    reasons: list[str] = []
    for choice in data.get("choices") or []:
        if isinstance(choice, dict) and _str(choice.get("finish_reason")):
            reasons.append(choice["finish_reason"])
    delta = data.get("delta")
    stop = _str(data.get("stop_reason")) or (
        _str(delta.get("stop_reason")) if isinstance(delta, dict) else None
    )
    if stop:
        reasons.append(stop)
    if data.get("object") == "response" and data.get("status") in ("completed", "incomplete", "failed"):
        reasons.append(data["status"])
    return _str(data.get("model")), _str(data.get("id")), reasons


def request_params(body: dict[str, Any], max_tokens: int | None) -> dict[str, float | int]:
    """The sampling parameters of a request that telemetry reports."""
    params: dict[str, float | int] = {}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            params[name] = float(value)
    return params


class OpenAIWire:
    """OpenAI chat completions, completions, embeddings, responses and models."""

    name = "openai"

    _ERROR_TYPES = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        403: "permission_error",
        404: "not_found_error",
        413: "invalid_request_error",
        429: "rate_limit_error",
        500: "server_error",
        502: "server_error",
        503: "server_error",
    }

    def request_slots(self, path: str, body: dict[str, Any]) -> list[Slot]:
        out: list[Slot] = []
        if path.endswith("/chat/completions"):
            for message in body.get("messages") or []:
                if isinstance(message, dict):
                    role = str(message.get("role") or "user")
                    _text_parts(message, "content", role, out, ("text",))
        elif path.endswith("/completions"):
            _text_parts(body, "prompt", "user", out, ())
        elif path.endswith("/embeddings"):
            _text_parts(body, "input", "user", out, ())
        elif path.endswith("/responses"):
            _text_parts(body, "instructions", "system", out, ())
            items = body.get("input")
            if isinstance(items, str):
                out.append((body, "input", "user"))
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                if item.get("type") == "function_call_output" and isinstance(item.get("output"), str):
                    out.append((item, "output", "tool"))
                else:
                    role = str(item.get("role") or "user")
                    _text_parts(item, "content", role, out, ("input_text", "output_text", "text"))
        return out

    def response_slots(self, path: str, body: dict[str, Any]) -> list[Slot]:
        out: list[Slot] = []
        for choice in body.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            message = choice.get("message")
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                out.append((message, "content", "assistant"))
            if isinstance(choice.get("text"), str):
                out.append((choice, "text", "assistant"))
        for item in body.get("output") or []:
            if isinstance(item, dict):
                _text_parts(item, "content", "assistant", out, ("output_text",))
        return out

    def usage(self, body: dict[str, Any]) -> tuple[int | None, int | None]:
        usage = body.get("usage")
        if not isinstance(usage, dict):
            return None, None
        tin = usage.get("prompt_tokens", usage.get("input_tokens"))
        tout = usage.get("completion_tokens", usage.get("output_tokens"))
        return (tin if isinstance(tin, int) else None, tout if isinstance(tout, int) else None)

    def max_tokens(self, body: dict[str, Any]) -> int | None:
        for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
            value = body.get(name)
            if isinstance(value, int):
                return value
        return None

    def error(self, status: int, message: str, code: str) -> dict[str, Any]:
        kind = self._ERROR_TYPES.get(status, "invalid_request_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def stream_delta(self, event: str | None, data: dict[str, Any]) -> str:
        if event == "response.output_text.delta" or data.get("type") == "response.output_text.delta":
            delta = data.get("delta")
            return delta if isinstance(delta, str) else ""
        text = []
        for choice in data.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                text.append(delta["content"])
            elif isinstance(choice.get("text"), str):
                text.append(choice["text"])
        return "".join(text)

    def stream_usage(self, event: str | None, data: dict[str, Any]) -> tuple[int | None, int | None]:
        if data.get("type") == "response.completed" and isinstance(data.get("response"), dict):
            return self.usage(data["response"])
        return self.usage(data)

    def stream_error(self, message: str, code: str) -> bytes:
        # The OpenAI SDKs raise APIError on a data line whose object has an "error" member.
        return sse(self.error(400, message, code)) + b"data: [DONE]\n\n"


class AnthropicWire:
    """Anthropic Messages."""

    name = "anthropic"

    _ERROR_TYPES = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        500: "api_error",
        502: "api_error",
        503: "overloaded_error",
        529: "overloaded_error",
    }

    def request_slots(self, path: str, body: dict[str, Any]) -> list[Slot]:
        out: list[Slot] = []
        _text_parts(body, "system", "system", out, ("text",))
        for message in body.get("messages") or []:
            if not isinstance(message, dict):
                continue
            role = str(message.get("role") or "user")
            content = message.get("content")
            _text_parts(message, "content", role, out, ("text",))
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    _text_parts(block, "content", "tool", out, ("text",))
        return out

    def response_slots(self, path: str, body: dict[str, Any]) -> list[Slot]:
        out: list[Slot] = []
        _text_parts(body, "content", "assistant", out, ("text",))
        return out

    def usage(self, body: dict[str, Any]) -> tuple[int | None, int | None]:
        usage = body.get("usage")
        if not isinstance(usage, dict):
            return None, None
        tin, tout = usage.get("input_tokens"), usage.get("output_tokens")
        return (tin if isinstance(tin, int) else None, tout if isinstance(tout, int) else None)

    def max_tokens(self, body: dict[str, Any]) -> int | None:
        value = body.get("max_tokens")
        return value if isinstance(value, int) else None

    def error(self, status: int, message: str, code: str) -> dict[str, Any]:
        kind = self._ERROR_TYPES.get(status, "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}

    def stream_delta(self, event: str | None, data: dict[str, Any]) -> str:
        if data.get("type") == "content_block_delta":
            delta = data.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("text"), str):
                return str(delta["text"])
        return ""

    def stream_usage(self, event: str | None, data: dict[str, Any]) -> tuple[int | None, int | None]:
        kind = data.get("type")
        if kind == "message_start" and isinstance(data.get("message"), dict):
            return self.usage(data["message"])
        if kind == "message_delta":
            return self.usage(data)
        return None, None

    def stream_error(self, message: str, code: str) -> bytes:
        # Anthropic's stream error event; the SDKs raise an APIStatusError on it.
        return sse(self.error(400, f"{message} ({code})", code), event="error")


OPENAI = OpenAIWire()
ANTHROPIC = AnthropicWire()
