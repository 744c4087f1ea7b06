"""A local upstream speaking the OpenAI and Anthropic wire formats (JSON and SSE streaming).

Replies echo the last user text (``echo: ...``), so tests can see what reached the upstream; every
request body is recorded in ``app.state.seen``.  Model ``fail-500`` answers 500; a model named
``NAME-latest`` is answered by the snapshot ``NAME-2024-08-06`` (as providers resolve aliases).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK = 8


def _last_user_text(body: dict[str, Any]) -> str:
    if "messages" in body:
        for message in reversed(body["messages"]):
            if message.get("role") == "user":
                content = message["content"]
                if isinstance(content, list):
                    return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                return str(content)
    for name in ("prompt", "input"):
        value = body.get(name)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            content = value[-1].get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _served(model: str) -> str:
    return model.removesuffix("-latest") + "-2024-08-06" if model.endswith("-latest") else model


def _reply(body: dict[str, Any]) -> str:
    return f"echo: {_last_user_text(body)}"


def _pieces(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


async def _stream(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
        await asyncio.sleep(0)


def _usage(body: dict[str, Any], text: str) -> tuple[int, int]:
    return max(len(_last_user_text(body)) // 4, 1), max(len(text) // 4, 1)


async def chat(request: Request) -> Response:
    body = await request.json()
    request.app.state.seen.append({"path": request.url.path, "body": body, "headers": dict(request.headers)})
    if body.get("model") == "fail-500":
        return JSONResponse({"error": {"message": "boom", "type": "server_error", "code": None}}, 500)
    text = _reply(body)
    tin, tout = _usage(body, text)
    if not body.get("stream"):
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": _served(body["model"]),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
            }
        )
    base = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": _served(body["model"]),
    }
    chunks = [_sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})]
    chunks += [_sse({**base, "choices": [{"index": 0, "delta": {"content": p}}]}) for p in _pieces(text)]
    chunks.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    chunks.append(
        _sse(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": 0},
            }
        )
    )
    chunks.append(b"data: [DONE]\n\n")
    return StreamingResponse(_stream(chunks), media_type="text/event-stream")


async def completions(request: Request) -> Response:
    body = await request.json()
    request.app.state.seen.append({"path": request.url.path, "body": body, "headers": dict(request.headers)})
    text = _reply(body)
    tin, tout = _usage(body, text)
    return JSONResponse(
        {
            "id": "cmpl-1",
            "object": "text_completion",
            "created": 1,
            "model": body["model"],
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
        }
    )


async def embeddings(request: Request) -> Response:
    body = await request.json()
    request.app.state.seen.append({"path": request.url.path, "body": body, "headers": dict(request.headers)})
    return JSONResponse(
        {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
            "model": body["model"],
            "usage": {"prompt_tokens": 3, "total_tokens": 3},
        }
    )


async def responses(request: Request) -> Response:
    body = await request.json()
    request.app.state.seen.append({"path": request.url.path, "body": body, "headers": dict(request.headers)})
    text = _reply(body)
    tin, tout = _usage(body, text)
    return JSONResponse(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": "completed",
            "model": body["model"],
            "output": [
                {
                    "type": "message",
                    "id": "msg_1",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": tin,
                "output_tokens": tout,
                "total_tokens": tin + tout,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }
    )


async def models(request: Request) -> Response:
    names = ["gpt-4o-mini", "gpt-4o", "secret-model"]
    return JSONResponse(
        {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 1, "owned_by": "stub"} for n in names],
        }
    )


async def messages(request: Request) -> Response:
    body = await request.json()
    request.app.state.seen.append({"path": request.url.path, "body": body, "headers": dict(request.headers)})
    text = _reply(body)
    tin, tout = _usage(body, text)
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": _served(body["model"]),
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": tin, "output_tokens": tout},
    }
    if not body.get("stream"):
        return JSONResponse(message)
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": tin, "output_tokens": 1},
    }
    chunks = [
        _sse({"type": "message_start", "message": start}, "message_start"),
        _sse(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            "content_block_start",
        ),
        _sse({"type": "ping"}, "ping"),
    ]
    chunks += [
        _sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
            "content_block_delta",
        )
        for p in _pieces(text)
    ]
    chunks += [
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": tout},
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return StreamingResponse(_stream(chunks), media_type="text/event-stream")


async def webhook(request: Request) -> Response:
    request.app.state.hooks.append(await request.json())
    return JSONResponse({"ok": True})


def stub_app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/completions", completions, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/responses", responses, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/hook", webhook, methods=["POST"]),
        ]
    )
    app.state.seen = []
    app.state.hooks = []
    return app
