"""Streaming through the gateway (OpenAI and Anthropic SDKs): pass-through, and cut when the
output turns bad, with an error event each SDK understands."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from .conftest import LEAK, MakeGateway


def oa(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def an(url: str, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=key, max_retries=0)


def test_openai_stream_passes_whole_and_counts_usage(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    prompt = "a long harmless prompt " * 5
    stream = oa(gw.url, gw.key).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == f"echo: {prompt}"
    [event] = gw.events(1)
    assert event.stream and event.verdict == "allow" and event.tokens_out


def test_openai_stream_is_cut_before_the_leak_reaches_the_client(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    prompt = "some preamble text that is fine, then " + LEAK + " and more text after it"
    stream = oa(gw.url, gw.key).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True
    )
    received = []
    with pytest.raises(openai.APIError) as cut:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    assert "output_blocked" in str(cut.value.body)
    text = "".join(received)
    assert text.startswith("echo: some preamble")  # the clean start went through, as it streamed
    assert LEAK not in text and LEAK[:8] not in text
    [event] = gw.events(1)
    assert event.verdict == "block" and event.detections[0]["detector"] == "exfiltration"
    assert event.detections[0]["stage"] == "output"


def test_anthropic_messages_plain_stream_and_cut(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    c = an(gw.url, gw.key)
    reply = c.messages.create(model="claude-x", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert reply.content[0].text == "echo: hi"  # type: ignore[union-attr]
    with c.messages.stream(
        model="claude-x", max_tokens=50, messages=[{"role": "user", "content": "streamed hello world"}]
    ) as stream:
        assert "".join(stream.text_stream) == "echo: streamed hello world"
    with (
        pytest.raises(anthropic.APIStatusError) as cut,
        c.messages.stream(
            model="claude-x", max_tokens=50, messages=[{"role": "user", "content": f"x {LEAK} y"}]
        ) as stream,
    ):
        "".join(stream.text_stream)
    assert "output_blocked" in str(cut.value.body)
    events = gw.events(3)
    assert [e.verdict for e in events] == ["allow", "allow", "block"]
    assert events[1].tokens_in and events[1].tokens_out


def test_anthropic_401_shape_with_both_header_styles(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    with pytest.raises(anthropic.AuthenticationError) as err:
        an(gw.url, "wrong").messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert err.value.body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid API key"},
    }
    bearer = httpx.post(
        f"{gw.url}/v1/messages",
        headers={"authorization": f"Bearer {gw.key}"},
        json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    )
    assert bearer.status_code == 200 and bearer.json()["type"] == "message"


def test_non_streaming_output_leak_is_blocked_in_provider_shape(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    with pytest.raises(openai.BadRequestError) as blocked:
        oa(gw.url, gw.key).chat.completions.create(model="m", messages=[{"role": "user", "content": LEAK}])
    assert blocked.value.code == "output_blocked"
    with pytest.raises(anthropic.BadRequestError) as blocked_a:
        an(gw.url, gw.key).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": LEAK}]
        )
    assert blocked_a.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
