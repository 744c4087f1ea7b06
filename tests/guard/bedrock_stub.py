"""A local Bedrock Runtime: Converse and ConverseStream, with its own SigV4 verification.

Every request must carry a well-formed ``AWS4-HMAC-SHA256`` Authorization header whose signature
this stub recomputes from the request it received (method, path, signed headers, the sha256 of the
body) with the test secret key; otherwise it answers 403 ``InvalidSignatureException`` as AWS
does.  Replies echo the last user text (``echo: ...``) as real-shaped Converse JSON, or as an AWS
event stream (frames encoded here: prelude, headers, payload, CRC32s).  Model ``throttle`` sends an
exception frame mid-stream.  Accepted requests are recorded in ``app.state.seen``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ACCESS_KEY = "AKIDAISPMTEST0000001"
SECRET_KEY = "aispm-test-secret-key/0123456789abcdefghij"
REGION = "eu-west-3"
CHUNK = 8

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature_problem(request: Request, body: bytes) -> str | None:
    """Why the request's SigV4 signature is not valid for :data:`SECRET_KEY`, or None."""
    auth = _AUTH.match(request.headers.get("authorization", ""))
    if auth is None:
        return "missing or malformed Authorization header"
    if auth["key"] != ACCESS_KEY or auth["region"] != REGION or auth["service"] != "bedrock":
        return f"unexpected credential scope {auth['key']}/{auth['region']}/{auth['service']}"
    amz_date = request.headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "missing or malformed X-Amz-Date"
    if abs((datetime.now(UTC) - when).total_seconds()) > 300 or amz_date[:8] != auth["date"]:
        return "request time outside the allowed window"
    payload_hash = hashlib.sha256(body).hexdigest()
    if request.headers.get("x-amz-content-sha256", payload_hash) != payload_hash:
        return "X-Amz-Content-SHA256 does not match the body"
    signed = auth["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return "host and x-amz-date must be signed"
    raw_path = request.scope["raw_path"].decode()
    canonical = "\n".join(
        [
            request.method,
            quote(raw_path, safe="/~"),  # non-S3 services: the path is URI-encoded once more
            "",
            "".join(f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed),
            auth["signed"],
            payload_hash,
        ]
    )
    scope = f"{auth['date']}/{REGION}/bedrock/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(("AWS4" + SECRET_KEY).encode(), auth["date"])
    for part in (REGION, "bedrock", "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, auth["signature"]):
        return "The request signature we calculated does not match the signature you provided."
    return None


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (total length, headers length, CRC32), string headers,
    payload, CRC32 of everything before it."""
    encoded = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        encoded += bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event(kind: str, data: dict[str, Any]) -> bytes:
    headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
    return frame(headers, json.dumps({**data, "p": "abcdefgh"}).encode())


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message["role"] == "user":
            return " ".join(block["text"] for block in message["content"] if "text" in block)
    return ""


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    tin = len(json.dumps(body)) // 4
    return {"inputTokens": tin, "outputTokens": len(text) // 4 + 1, "totalTokens": tin + len(text) // 4 + 1}


async def _split(frames: list[bytes]) -> AsyncIterator[bytes]:
    """The frames in uneven pieces, so the gateway must reassemble them."""
    data = b"".join(frames)
    step = 37
    for i in range(0, len(data), step):
        yield data[i : i + step]
        await asyncio.sleep(0)


async def converse(request: Request) -> Response:
    body_bytes = await request.body()
    problem = signature_problem(request, body_bytes)
    if problem is not None:
        return JSONResponse(
            {"message": problem}, status_code=403, headers={"x-amzn-errortype": "InvalidSignatureException"}
        )
    body = json.loads(body_bytes)
    model = unquote(request.path_params["model"])
    operation = request.path_params["operation"]
    request.app.state.seen.append(
        {"model": model, "operation": operation, "body": body, "headers": dict(request.headers)}
    )
    text = f"echo: {_last_user_text(body)}"
    stop = "max_tokens" if body.get("inferenceConfig", {}).get("maxTokens") == 7 else "end_turn"
    if operation == "converse":
        return JSONResponse(
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": stop,
                "usage": _usage(body, text),
                "metrics": {"latencyMs": 12},
            },
            headers={"x-amzn-requestid": "stub-request"},
        )
    frames = [event("messageStart", {"role": "assistant"})]
    pieces = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
    for n, piece in enumerate(pieces):
        frames.append(event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}}))
        if model == "throttle" and n == 1:
            headers = {
                ":exception-type": "throttlingException",
                ":content-type": "application/json",
                ":message-type": "exception",
            }
            frames.append(frame(headers, b'{"message":"Too many requests, please wait."}'))
            break
    frames.append(event("contentBlockStop", {"contentBlockIndex": 0}))
    frames.append(event("messageStop", {"stopReason": stop}))
    frames.append(event("metadata", {"usage": _usage(body, text), "metrics": {"latencyMs": 12}}))
    return StreamingResponse(_split(frames), media_type="application/vnd.amazon.eventstream")


def bedrock_app() -> Starlette:
    app = Starlette(routes=[Route("/model/{model}/{operation:str}", converse, methods=["POST"])])
    app.state.seen = []
    return app
