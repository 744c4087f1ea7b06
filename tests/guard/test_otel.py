"""OpenTelemetry GenAI spans of real requests through the gateway, caught by the SDK's in-memory
exporter: span name and kind, the GenAI semantic-convention attributes, guardrail result events
for blocked requests, streams (time to first chunk, usage from the stream), and the switches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import anthropic
import httpx
import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from .bedrock_stub import bedrock_app
from .conftest import INJECTION, LEAK, MakeGateway, Stub
from .servers import ServerThread
from .test_gateway_bedrock import bedrock_config


class Spans:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def wait(self, n: int, seconds: float = 15) -> list[ReadableSpan]:
        """The finished spans once there are ``n`` (streams end their span after the last byte)."""
        deadline = time.monotonic() + seconds
        while len(self.exporter.get_finished_spans()) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.exporter.get_finished_spans())


@pytest.fixture
def spans() -> Iterator[Spans]:
    caught = Spans()
    yield caught
    caught.provider.shutdown()


def oa(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def test_chat_completion_span_has_the_genai_attributes(
    make_gateway: MakeGateway, stub: Stub, spans: Spans
) -> None:
    gw = make_gateway(tracer_provider=spans.provider)
    reply = oa(gw.url, gw.key).chat.completions.create(
        model="gpt-4o-latest",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=64,
        temperature=0.2,
    )
    [span] = spans.wait(1)
    [event] = gw.events(1)
    assert span.name == "chat gpt-4o-latest" and span.kind is SpanKind.CLIENT
    attrs = dict(span.attributes or {})
    stub_url = urlsplit(stub.url)
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.provider.name"] == "openai" and attrs["gen_ai.system"] == "openai"
    assert attrs["gen_ai.request.model"] == "gpt-4o-latest"
    assert attrs["gen_ai.response.model"] == reply.model == "gpt-4o-2024-08-06"
    assert attrs["gen_ai.response.id"] == reply.id
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert reply.usage is not None
    assert attrs["gen_ai.usage.input_tokens"] == reply.usage.prompt_tokens == event.tokens_in
    assert attrs["gen_ai.usage.output_tokens"] == reply.usage.completion_tokens == event.tokens_out
    assert attrs["gen_ai.request.max_tokens"] == 64 and attrs["gen_ai.request.temperature"] == 0.2
    assert (attrs["server.address"], attrs["server.port"]) == (stub_url.hostname, stub_url.port)
    assert attrs["aispm.guard.verdict"] == "allow" and attrs["aispm.guard.key"] == "app"
    assert attrs["aispm.guard.request_id"] == event.request_id
    assert attrs["http.response.status_code"] == 200
    # negative controls: a plain request is not an error, carries no guardrail event, no stream flag
    assert "error.type" not in attrs and "gen_ai.request.stream" not in attrs
    assert span.status.status_code is StatusCode.UNSET and not span.events
    assert span.start_time is not None and span.end_time is not None
    assert 0 < span.end_time - span.start_time < 30e9


def test_blocked_request_span_is_an_error_with_a_guardrail_result(
    make_gateway: MakeGateway, spans: Spans
) -> None:
    gw = make_gateway(tracer_provider=spans.provider)
    with pytest.raises(openai.BadRequestError):
        oa(gw.url, gw.key).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": INJECTION}]
        )
    [span] = spans.wait(1)
    attrs = dict(span.attributes or {})
    assert span.name == "chat gpt-4o"
    assert attrs["aispm.guard.verdict"] == "block" and attrs["error.type"] == "content_blocked"
    assert attrs["http.response.status_code"] == 400
    assert attrs["aispm.guard.detections"] == ("input:injection:instruction_override:block",)
    assert span.status.status_code is StatusCode.ERROR
    assert "injection:instruction_override" in (span.status.description or "")
    # nothing was forwarded: no usage, no response model
    assert not any(k.startswith(("gen_ai.usage.", "gen_ai.response.")) for k in attrs)
    [result] = span.events
    assert result.name == "gen_ai.guardrail.result"
    assert dict(result.attributes or {}) == {
        "gen_ai.guardrail.component.name": "aispm guard",
        "gen_ai.guardrail.policy.rule.id": "injection",
        "gen_ai.guardrail.source": "input",
        "gen_ai.guardrail.result.type": "action",
        "gen_ai.guardrail.result.value": "block",
        "gen_ai.guardrail.risk.category": "instruction_override",
        "gen_ai.guardrail.risk.score": 0.95,
        "gen_ai.provider.name": "openai",
    }
    # the prompt itself is on no span
    assert not any(INJECTION in str(v) for v in attrs.values())


def test_streaming_span_counts_usage_and_time_to_first_chunk(make_gateway: MakeGateway, spans: Spans) -> None:
    gw = make_gateway(tracer_provider=spans.provider)
    stream = oa(gw.url, gw.key).chat.completions.create(
        model="gpt-4o-latest",
        messages=[{"role": "user", "content": "stream me a harmless sentence, please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    usage = chunks[-1].usage
    [span] = spans.wait(1)
    attrs = dict(span.attributes or {})
    assert span.name == "chat gpt-4o-latest"
    assert attrs["gen_ai.request.stream"] is True and attrs["aispm.guard.verdict"] == "allow"
    assert attrs["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert usage is not None
    assert attrs["gen_ai.usage.input_tokens"] == usage.prompt_tokens
    assert attrs["gen_ai.usage.output_tokens"] == usage.completion_tokens
    assert span.start_time is not None and span.end_time is not None
    ttfc = attrs["gen_ai.response.time_to_first_chunk"]
    assert isinstance(ttfc, float) and 0 < ttfc <= (span.end_time - span.start_time) / 1e9
    assert span.status.status_code is StatusCode.UNSET


def test_stream_cut_for_a_leak_ends_as_output_blocked(make_gateway: MakeGateway, spans: Spans) -> None:
    gw = make_gateway(tracer_provider=spans.provider)
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    with (
        pytest.raises(anthropic.APIStatusError),
        client.messages.stream(
            model="claude-latest",
            max_tokens=100,
            messages=[{"role": "user", "content": f"some preamble that is fine, then {LEAK} and more"}],
        ) as stream,
    ):
        for _ in stream.text_stream:
            pass
    [span] = spans.wait(1)
    attrs = dict(span.attributes or {})
    assert span.name == "chat claude-latest"
    assert attrs["gen_ai.provider.name"] == "anthropic" and attrs["gen_ai.request.max_tokens"] == 100
    assert attrs["gen_ai.response.model"] == "claude-2024-08-06" and attrs["gen_ai.response.id"] == "msg_1"
    assert attrs["error.type"] == "output_blocked" and attrs["aispm.guard.verdict"] == "block"
    assert attrs["gen_ai.response.finish_reasons"] == ("error",)  # cut before the model's stop_reason
    assert span.status.status_code is StatusCode.ERROR
    [result] = span.events
    assert (result.attributes or {})["gen_ai.guardrail.source"] == "output"
    assert (result.attributes or {})["gen_ai.guardrail.policy.rule.id"] == "exfiltration"


def test_operations_switches_and_latest_conventions_only(
    make_gateway: MakeGateway, spans: Spans, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = make_gateway(tracer_provider=spans.provider)
    c = oa(gw.url, gw.key)
    c.embeddings.create(model="text-embedding-3-small", input="abc")
    c.completions.create(model="gpt-3.5-turbo-instruct", prompt="abc")
    assert httpx.get(f"{gw.url}/v1/models", headers={"authorization": f"Bearer {gw.key}"}).status_code == 200
    with pytest.raises(openai.AuthenticationError):
        oa(gw.url, "aispm-bad-key").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    found = spans.wait(3)
    time.sleep(0.2)  # nothing else arrives: /v1/models is not a GenAI operation
    names = [s.name for s in spans.exporter.get_finished_spans()]
    # refused before the body was read: no model, so the span is named by the operation alone
    assert names == ["embeddings text-embedding-3-small", "text_completion gpt-3.5-turbo-instruct", "chat"]
    denied = dict(found[2].attributes or {})
    assert denied["error.type"] == "invalid_api_key" and denied["aispm.guard.verdict"] == "denied"
    assert "gen_ai.request.model" not in denied
    assert denied["gen_ai.provider.name"] == "openai" and "aispm.guard.key" not in denied

    spans.exporter.clear()
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "http,gen_ai_latest_experimental")
    latest = make_gateway(tracer_provider=spans.provider, name="latest")
    oa(latest.url, latest.key).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}]
    )
    [span] = spans.wait(1)
    assert "gen_ai.system" not in (span.attributes or {})
    assert (span.attributes or {})["gen_ai.provider.name"] == "openai"

    spans.exporter.clear()
    off = make_gateway({"telemetry": {"otel": False}}, tracer_provider=spans.provider, name="off")
    oa(off.url, off.key).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    off.events(1)
    assert spans.exporter.get_finished_spans() == ()


def test_bedrock_stream_span_names_the_provider_aws_bedrock(make_gateway: MakeGateway, spans: Spans) -> None:
    server = ServerThread(bedrock_app()).start()
    try:
        gw = make_gateway(bedrock_config(server.url), tracer_provider=spans.provider)
        stream = oa(gw.url, gw.key).chat.completions.create(
            model="claude-haiku",
            messages=[{"role": "user", "content": "hello bedrock"}],
            max_tokens=50,
            top_p=0.9,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        [span] = spans.wait(1)
    finally:
        server.stop()
    usage = chunks[-1].usage
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    attrs = dict(span.attributes or {})
    assert span.name == "chat claude-haiku"
    assert attrs["gen_ai.provider.name"] == "aws.bedrock" and attrs["gen_ai.system"] == "aws.bedrock"
    assert attrs["server.address"] == "127.0.0.1" and attrs["server.port"] == urlsplit(server.url).port
    assert attrs["gen_ai.request.top_p"] == 0.9 and attrs["gen_ai.request.stream"] is True
    assert attrs["gen_ai.response.finish_reasons"] == tuple(finish) == ("stop",)
    assert usage is not None
    assert attrs["gen_ai.usage.input_tokens"] == usage.prompt_tokens
    assert attrs["gen_ai.usage.output_tokens"] == usage.completion_tokens
    assert attrs["aispm.guard.verdict"] == "allow" and "error.type" not in attrs
