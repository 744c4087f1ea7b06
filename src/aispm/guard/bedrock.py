"""Amazon Bedrock upstreams: the client's OpenAI or Anthropic request as a Converse request, signed
with SigV4, and Bedrock's answer (JSON or AWS event stream) back in the client's format.

Clients keep speaking the OpenAI chat-completions or Anthropic Messages API to the gateway; the
detectors see exactly the texts the translated request carries.  Streams are decoded from the
``application/vnd.amazon.eventstream`` framing (botocore's :class:`EventStreamBuffer`) and turned
into the client API's server-sent events, which then pass the same stream inspection as any other
upstream.  Text only: tool definitions, tool calls and images are refused (501), not dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from botocore.session import Session

from aispm.guard.config import Upstream
from aispm.guard.wire import sse

SERVICE = "bedrock"
"""The SigV4 signing name of Bedrock Runtime."""
EVENT_STREAM = "application/vnd.amazon.eventstream"
_REGION_IN_HOST = re.compile(r"bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com")

_OPENAI_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
_ANTHROPIC_STOP = {
    "end_turn": "end_turn",
    "stop_sequence": "stop_sequence",
    "max_tokens": "max_tokens",
    "tool_use": "tool_use",
    "guardrail_intervened": "refusal",
    "content_filtered": "refusal",
}


class TranslationError(Exception):
    """The request uses a feature this translation does not carry to Bedrock (the message says which)."""


# -- requests ------------------------------------------------------------------------------------


def _texts(content: Any, where: str) -> list[dict[str, str]]:
    """Converse content blocks of a string or a list of text parts; anything else is refused."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if content is None:
        return []
    if isinstance(content, list):
        blocks = []
        for part in content:
            if isinstance(part, str):
                blocks.append({"text": part})
            elif isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                blocks.append({"text": part["text"]})
            else:
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise TranslationError(f"{where}: content of type {kind!r} is not translated to Bedrock")
        return blocks
    raise TranslationError(f"{where}: unsupported content")


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, str]]) -> None:
    """Add a turn; consecutive turns of one role merge (Converse wants user/assistant alternating)."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})


def _inference(max_tokens: Any, temperature: Any, top_p: Any, stop: Any) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if isinstance(max_tokens, int):
        config["maxTokens"] = max_tokens
    if isinstance(temperature, int | float):
        config["temperature"] = temperature
    if isinstance(top_p, int | float):
        config["topP"] = top_p
    if isinstance(stop, str):
        config["stopSequences"] = [stop]
    elif isinstance(stop, list) and stop:
        config["stopSequences"] = [str(s) for s in stop]
    return config


def converse_request(api: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """The Converse request body for a client request (``api`` is ``openai`` or ``anthropic``)."""
    if body.get("tools") or body.get("functions"):
        raise TranslationError("tool definitions are not translated to Bedrock")
    system: list[dict[str, str]] = []
    messages: list[dict[str, Any]] = []
    if api == "openai":
        if not path.endswith("/chat/completions"):
            raise TranslationError(f"Bedrock upstreams serve chat completions, not {path}")
        for i, message in enumerate(body.get("messages") or []):
            if not isinstance(message, dict):
                raise TranslationError(f"messages[{i}] is not an object")
            role = message.get("role")
            blocks = _texts(message.get("content"), f"messages[{i}]")
            if role in ("system", "developer"):
                system.extend(blocks)
            elif role in ("user", "assistant"):
                if message.get("tool_calls"):
                    raise TranslationError("tool calls are not translated to Bedrock")
                _append(messages, str(role), blocks)
            else:
                raise TranslationError(f"messages[{i}]: role {role!r} is not translated to Bedrock")
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        inference = _inference(max_tokens, body.get("temperature"), body.get("top_p"), body.get("stop"))
    else:
        if not path.endswith("/messages"):
            raise TranslationError(f"Bedrock upstreams serve messages, not {path}")
        system = _texts(body.get("system"), "system")
        for i, message in enumerate(body.get("messages") or []):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                raise TranslationError(f"messages[{i}] is not a user or assistant turn")
            _append(messages, str(message["role"]), _texts(message.get("content"), f"messages[{i}]"))
        inference = _inference(
            body.get("max_tokens"), body.get("temperature"), body.get("top_p"), body.get("stop_sequences")
        )
    out: dict[str, Any] = {"messages": messages}
    if system:
        out["system"] = system
    if inference:
        out["inferenceConfig"] = inference
    return out


# -- signing ----------------------------------------------------------------------------------------


@dataclass
class Signer:
    """SigV4 signing for one upstream: credentials from its config, else the default AWS chain."""

    upstream: Upstream
    _session: Session | None = field(default=None, init=False, repr=False)

    def region(self) -> str:
        if self.upstream.region:
            return self.upstream.region
        found = _REGION_IN_HOST.search(self.upstream.url)
        if found:
            return found.group(1)
        region = self._botocore().get_config_variable("region")
        if not region:
            raise TranslationError("the Bedrock upstream needs a region (config `region` or AWS_REGION)")
        return str(region)

    def _botocore(self) -> Session:
        if self._session is None:
            self._session = Session(profile=self.upstream.aws_profile)
        return self._session

    def credentials(self) -> Credentials:
        u = self.upstream
        if u.aws_access_key_id and u.aws_secret_access_key:
            return Credentials(u.aws_access_key_id, u.aws_secret_access_key, u.aws_session_token)
        found = self._botocore().get_credentials()
        if found is None:
            raise TranslationError("no AWS credentials for the Bedrock upstream (default chain is empty)")
        frozen = found.get_frozen_credentials()  # refreshable credentials: one consistent triple
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    def sign(self, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` plus ``x-amz-date``, ``x-amz-content-sha256``, ``authorization`` (and the
        session token) for a POST of ``body`` to ``url``."""
        signed = {**headers, "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
        request = AWSRequest(method="POST", url=url, data=body, headers=signed)
        SigV4Auth(self.credentials(), SERVICE, self.region()).add_auth(request)
        return {k.lower(): str(v) for k, v in request.headers.items()}


def converse_url(upstream: Upstream, model: str, stream: bool) -> str:
    """``{url}/model/{modelId}/converse`` (or ``converse-stream``); ``deployments`` maps names to ids."""
    model_id = quote(upstream.deployments.get(model, model), safe="")
    return f"{upstream.url.rstrip('/')}/model/{model_id}/{'converse-stream' if stream else 'converse'}"


# -- responses ----------------------------------------------------------------------------------------


def _text_of(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    return "".join(b["text"] for b in content or [] if isinstance(b, dict) and isinstance(b.get("text"), str))


def _usage(usage: Any) -> tuple[int, int]:
    usage = usage if isinstance(usage, dict) else {}
    tin, tout = usage.get("inputTokens"), usage.get("outputTokens")
    return (tin if isinstance(tin, int) else 0, tout if isinstance(tout, int) else 0)


def client_response(api: str, model: str, reply: dict[str, Any]) -> dict[str, Any]:
    """A Converse response as an OpenAI ``chat.completion`` or an Anthropic ``message``."""
    output = reply.get("output")
    text = _text_of(output.get("message") if isinstance(output, dict) else None)
    stop = str(reply.get("stopReason") or "end_turn")
    tin, tout = _usage(reply.get("usage"))
    if api == "openai":
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": _OPENAI_FINISH.get(stop, "stop"),
                }
            ],
            "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
        }
    return {
        "id": f"msg_{uuid.uuid4().hex}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": _ANTHROPIC_STOP.get(stop, "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": tin, "output_tokens": tout},
    }


def _message(content: bytes) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    message = (body.get("message") or body.get("Message")) if isinstance(body, dict) else None
    return str(message or content[:200].decode("utf-8", "replace"))


def error_message(status: int, content: bytes) -> str:
    """A Bedrock error answer (body ``{"message": ...}``) as one line."""
    return f"Bedrock answered {status}: {_message(content)}"


class StreamTranslator:
    """ConverseStream events in, the client API's server-sent events out."""

    def __init__(self, api: str, model: str, include_usage: bool) -> None:
        self.api, self.model, self.include_usage = api, model, include_usage
        self.id = f"chatcmpl-{uuid.uuid4().hex}" if api == "openai" else f"msg_{uuid.uuid4().hex}"
        self.created = int(time.time())
        self._started = False
        self._open_blocks: set[int] = set()
        self._stop: str | None = None
        self._done = False

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _start(self) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        if self.api == "openai":
            return [sse(self._chunk({"role": "assistant", "content": ""}))]
        message: dict[str, Any] = {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return [sse({"type": "message_start", "message": message}, "message_start")]

    def event(self, kind: str, data: dict[str, Any]) -> list[bytes]:
        """The SSE events for one ConverseStream event (``:event-type`` and its JSON payload)."""
        out = self._start()
        if kind == "contentBlockDelta":
            delta = data.get("delta")
            text = delta.get("text") if isinstance(delta, dict) else None
            if not isinstance(text, str):
                return out
            index = data.get("contentBlockIndex", 0)
            if self.api == "openai":
                out.append(sse(self._chunk({"content": text})))
            else:
                if index not in self._open_blocks:
                    self._open_blocks.add(index)
                    start = {"type": "content_block_start", "index": index}
                    start["content_block"] = {"type": "text", "text": ""}
                    out.append(sse(start, "content_block_start"))
                delta_event = {"type": "content_block_delta", "index": index}
                delta_event["delta"] = {"type": "text_delta", "text": text}
                out.append(sse(delta_event, "content_block_delta"))
        elif kind == "contentBlockStop" and self.api == "anthropic":
            index = data.get("contentBlockIndex", 0)
            if index in self._open_blocks:
                self._open_blocks.discard(index)
                out.append(sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        elif kind == "messageStop":
            self._stop = str(data.get("stopReason") or "end_turn")
        elif kind == "metadata":
            out.extend(self._finish(data.get("usage")))
        return out

    def _finish(self, usage: Any) -> list[bytes]:
        if self._done:
            return []
        self._done = True
        out = self._start()
        tin, tout = _usage(usage)
        stop = self._stop or "end_turn"
        if self.api == "openai":
            counts = {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout}
            last = self._chunk({}, _OPENAI_FINISH.get(stop, "stop"))
            if self.include_usage:
                out.append(sse(last))
                out.append(sse({**self._chunk({}), "choices": [], "usage": counts}))
            else:  # usage rides on the last chunk so the gateway can count tokens
                out.append(sse({**last, "usage": counts}))
            out.append(b"data: [DONE]\n\n")
            return out
        for index in sorted(self._open_blocks):
            out.append(sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        self._open_blocks.clear()
        delta = {"stop_reason": _ANTHROPIC_STOP.get(stop, "end_turn"), "stop_sequence": None}
        counts = {"input_tokens": tin, "output_tokens": tout}
        out.append(sse({"type": "message_delta", "delta": delta, "usage": counts}, "message_delta"))
        out.append(sse({"type": "message_stop"}, "message_stop"))
        return out

    def end(self) -> list[bytes]:
        """What to send when the upstream stream ended (closes a stream without ``metadata``)."""
        return self._finish(None)


class BedrockStreamError(Exception):
    """An exception or error message inside the event stream."""


async def translate_stream(
    chunks: AsyncIterator[bytes], translator: StreamTranslator
) -> AsyncIterator[bytes]:
    """Decode AWS event-stream frames from ``chunks`` and yield the client API's SSE bytes.

    Frame checksums are verified by botocore's parser; an ``exception`` or ``error`` frame raises
    :class:`BedrockStreamError` with its message.
    """
    buffer = EventStreamBuffer()
    async for chunk in chunks:
        buffer.add_data(chunk)
        out: list[bytes] = []
        for message in buffer:
            headers = message.headers
            kind = headers.get(":message-type", "event")
            if kind != "event":
                name = headers.get(":exception-type") or headers.get(":error-code") or kind
                raise BedrockStreamError(f"{name}: {_message(message.payload)}")
            try:
                data = json.loads(message.payload) if message.payload else {}
            except ValueError:
                data = {}
            kind = str(headers.get(":event-type", ""))
            out.extend(translator.event(kind, data if isinstance(data, dict) else {}))
        if out:
            yield b"".join(out)
    rest = translator.end()
    if rest:
        yield b"".join(rest)
