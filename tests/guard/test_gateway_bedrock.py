"""Bedrock upstreams: OpenAI and Anthropic SDK clients, the gateway translating to Converse /
ConverseStream and signing with SigV4, a local Bedrock stub that checks the signature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

from aispm.guard.bedrock import Signer, TranslationError, converse_request
from aispm.guard.config import Upstream

from .bedrock_stub import ACCESS_KEY, REGION, SECRET_KEY, bedrock_app
from .conftest import INJECTION, LEAK, Gateway, MakeGateway, Stub
from .servers import ServerThread

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"


@pytest.fixture(scope="module")
def bedrock() -> Iterator[Stub]:
    app = bedrock_app()
    server = ServerThread(app).start()
    yield Stub(server.url, app)
    server.stop()


def bedrock_config(url: str, secret: str = SECRET_KEY) -> dict[str, Any]:
    return {
        "upstreams": {
            "aws": {
                "type": "bedrock",
                "url": url,
                "region": REGION,
                "aws_access_key_id": ACCESS_KEY,
                "aws_secret_access_key": secret,
                "deployments": {"claude-haiku": MODEL_ID},
            }
        },
        "routes": [
            {"name": "bedrock-openai", "api": "openai", "upstream": "aws"},
            {"name": "bedrock-anthropic", "api": "anthropic", "upstream": "aws"},
        ],
    }


@pytest.fixture
def gw(make_gateway: MakeGateway, bedrock: Stub) -> Gateway:
    bedrock.seen.clear()
    return make_gateway(bedrock_config(bedrock.url))


def oa(gw: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gw.url}/v1", api_key=gw.key, max_retries=0)


def an(gw: Gateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)


def test_openai_chat_is_translated_signed_and_answered(gw: Gateway, bedrock: Stub) -> None:
    reply = oa(gw).chat.completions.create(
        model="claude-haiku",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "first"},
            {"role": "user", "content": [{"type": "text", "text": "hello bedrock"}]},
        ],
        max_tokens=100,
        temperature=0.2,
        top_p=0.9,
        stop=["END"],
    )
    assert reply.choices[0].message.content == "echo: first hello bedrock"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    [seen] = bedrock.seen
    assert seen["model"] == MODEL_ID and seen["operation"] == "converse"
    assert seen["body"] == {
        "messages": [{"role": "user", "content": [{"text": "first"}, {"text": "hello bedrock"}]}],
        "system": [{"text": "You are terse."}],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]},
    }
    assert seen["headers"]["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert gw.key not in str(seen["headers"])  # the client's gateway key never leaves the gateway
    [event] = gw.events(1)
    assert event.provider == "bedrock" and event.verdict == "allow"
    assert event.tokens_in == reply.usage.prompt_tokens and event.tokens_out == reply.usage.completion_tokens


def test_stop_reason_max_tokens_becomes_length(gw: Gateway) -> None:
    reply = oa(gw).chat.completions.create(
        model="claude-haiku", messages=[{"role": "user", "content": "hi"}], max_tokens=7
    )
    assert reply.choices[0].finish_reason == "length"


def test_openai_stream_from_the_event_stream(gw: Gateway, bedrock: Stub) -> None:
    prompt = "a harmless prompt that streams back in several frames"
    stream = oa(gw).chat.completions.create(
        model="claude-haiku",
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"echo: {prompt}"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert bedrock.seen[-1]["operation"] == "converse-stream"
    assert bedrock.seen[-1]["headers"]["accept"] == "application/vnd.amazon.eventstream"
    [event] = gw.events(1)
    assert event.stream and event.verdict == "allow"
    assert event.tokens_out == chunks[-1].usage.completion_tokens


def test_stream_is_cut_before_the_leak(gw: Gateway) -> None:
    prompt = "a preamble that is fine, then " + LEAK + " and more text after it"
    stream = oa(gw).chat.completions.create(
        model="claude-haiku", messages=[{"role": "user", "content": prompt}], stream=True
    )
    received = []
    with pytest.raises(openai.APIError) as cut:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    assert "output_blocked" in str(cut.value.body)
    text = "".join(received)
    assert text.startswith("echo: a preamble") and LEAK not in text
    [event] = gw.events(1)
    assert event.verdict == "block" and event.detections[0]["stage"] == "output"


def test_exception_frame_ends_the_stream_with_an_error(make_gateway: MakeGateway, bedrock: Stub) -> None:
    gw = make_gateway(bedrock_config(bedrock.url))
    stream = oa(gw).chat.completions.create(
        model="throttle", messages=[{"role": "user", "content": "please stream this"}], stream=True
    )
    with pytest.raises(openai.APIError) as failed:
        list(stream)
    assert "upstream_error" in str(failed.value.body)
    [event] = gw.events(1)
    assert event.verdict == "error"


def test_injection_is_blocked_before_bedrock(gw: Gateway, bedrock: Stub) -> None:
    with pytest.raises(openai.BadRequestError) as blocked:
        oa(gw).chat.completions.create(
            model="claude-haiku", messages=[{"role": "user", "content": INJECTION}]
        )
    assert "content_blocked" in str(blocked.value.body)
    assert bedrock.seen == []
    [event] = gw.events(1)
    assert event.verdict == "block" and event.upstream_url == bedrock.url


def test_anthropic_messages_json_and_stream(gw: Gateway, bedrock: Stub) -> None:
    client = an(gw)
    reply = client.messages.create(
        model="claude-haiku",
        max_tokens=64,
        system="Be brief.",
        messages=[{"role": "user", "content": "hi there"}],
    )
    assert reply.content[0].text == "echo: hi there"  # type: ignore[union-attr]
    assert reply.stop_reason == "end_turn" and reply.usage.output_tokens > 0
    assert bedrock.seen[-1]["body"]["system"] == [{"text": "Be brief."}]
    with client.messages.stream(
        model="claude-haiku", max_tokens=64, messages=[{"role": "user", "content": "stream me please"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "echo: stream me please"
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


def test_wrong_secret_is_refused_by_the_signature_check(make_gateway: MakeGateway, bedrock: Stub) -> None:
    gw = make_gateway(bedrock_config(bedrock.url, secret="not-the-secret"))
    with pytest.raises(openai.PermissionDeniedError) as refused:
        oa(gw).chat.completions.create(model="claude-haiku", messages=[{"role": "user", "content": "hi"}])
    assert "signature" in str(refused.value.body)


def test_tools_are_refused_not_dropped(gw: Gateway, bedrock: Stub) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(openai.APIStatusError) as refused:
        oa(gw).chat.completions.create(
            model="claude-haiku",
            messages=[{"role": "user", "content": "hi"}],
            tools=[tool],  # type: ignore[list-item]
        )
    assert refused.value.status_code == 501
    assert bedrock.seen == []


def test_translation_and_region_units() -> None:
    with pytest.raises(TranslationError):
        converse_request("openai", "/v1/embeddings", {"input": "x"})
    with pytest.raises(TranslationError):
        converse_request("openai", "/v1/chat/completions", {"messages": [{"role": "tool", "content": "x"}]})
    body = converse_request(
        "anthropic",
        "/v1/messages",
        {"max_tokens": 5, "stop_sequences": ["x"], "messages": [{"role": "user", "content": "q"}]},
    )
    assert body == {
        "messages": [{"role": "user", "content": [{"text": "q"}]}],
        "inferenceConfig": {"maxTokens": 5, "stopSequences": ["x"]},
    }
    aws = Upstream(type="bedrock", url="https://bedrock-runtime.us-west-2.amazonaws.com")
    assert Signer(aws).region() == "us-west-2"
