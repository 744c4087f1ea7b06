"""The gateway as a real server with the official OpenAI SDK: forwarding, identity, input policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import openai
import pytest

from .conftest import INJECTION, SECRET, MakeGateway, Stub


def client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)


def test_chat_completions_round_trip_is_recorded_with_tokens_and_hashed_content(
    make_gateway: MakeGateway, stub: Stub
) -> None:
    gw = make_gateway()
    reply = client(gw.url, gw.key).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}]
    )
    assert reply.choices[0].message.content == "echo: hello there"
    forwarded = stub.seen[-1]
    # the provider key from the config is what reaches the upstream, never the gateway key
    assert forwarded["headers"]["authorization"] == "Bearer sk-upstream"
    assert gw.key not in str(forwarded["headers"])
    [event] = gw.events(1)
    assert (event.key_name, event.model, event.verdict, event.status) == ("app", "gpt-4o-mini", "allow", 200)
    assert event.tokens_in and event.tokens_out
    assert event.content is None and event.content_sha256 and len(event.content_sha256) == 64
    assert event.upstream_url == f"{stub.url}/v1"


def test_completions_embeddings_responses_and_models(make_gateway: MakeGateway) -> None:
    gw = make_gateway(key_options={"models": ["gpt-4o*"]})
    c = client(gw.url, gw.key)
    assert c.completions.create(model="gpt-4o", prompt="abc").choices[0].text == "echo: abc"
    assert c.embeddings.create(model="gpt-4o", input="abc").data[0].embedding == [0.1, 0.2, 0.3]
    assert c.responses.create(model="gpt-4o", input="hi").output_text == "echo: hi"
    # /v1/models lists only what the key may call (the stub also offers secret-model)
    assert sorted(m.id for m in c.models.list()) == ["gpt-4o", "gpt-4o-mini"]
    with pytest.raises(openai.PermissionDeniedError) as denied:
        c.chat.completions.create(model="secret-model", messages=[{"role": "user", "content": "x"}])
    assert denied.value.code == "model_not_allowed"


def test_unknown_revoked_and_expired_keys_get_openai_shaped_401(make_gateway: MakeGateway) -> None:
    gw = make_gateway()
    expired, _ = gw.store.create_key("old", expires_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    revoked, _ = gw.store.create_key("gone")
    gw.store.revoke_key("gone")
    forged = gw.key[:-4] + ("AAAA" if not gw.key.endswith("AAAA") else "BBBB")
    for bad in ("not-a-key", forged, expired, revoked):
        with pytest.raises(openai.AuthenticationError) as err:
            client(gw.url, bad).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}]
            )
        assert err.value.status_code == 401
        assert err.value.body["type"] == "invalid_request_error"  # type: ignore[index]
        assert err.value.code == "invalid_api_key"
    # no key at all, raw HTTP
    raw = httpx.post(f"{gw.url}/v1/chat/completions", json={"model": "m", "messages": []})
    assert raw.status_code == 401 and raw.json()["error"]["code"] == "invalid_api_key"
    # negative control: the valid key, sent as x-api-key instead of a bearer token, works
    ok = httpx.post(
        f"{gw.url}/v1/chat/completions",
        headers={"x-api-key": gw.key},
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert ok.status_code == 200
    assert {e.reason for e in gw.events(5, verdict="denied")} >= {
        "invalid API key",
        "API key expired",
        "API key revoked",
    }


def test_injection_is_blocked_before_the_upstream_and_secrets_are_redacted(
    make_gateway: MakeGateway, stub: Stub
) -> None:
    gw = make_gateway()
    c = client(gw.url, gw.key)
    before = len(stub.seen)
    with pytest.raises(openai.BadRequestError) as blocked:
        c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": INJECTION}])
    assert blocked.value.code == "content_blocked"
    assert len(stub.seen) == before  # never forwarded
    # indirect injection in a tool result is inspected too
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(
            model="gpt-4o",
            messages=[
                {"role": "user", "content": "summarise the page"},
                {"role": "tool", "tool_call_id": "t1", "content": f"page text. {INJECTION}"},
            ],
        )
    reply = c.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"my key is {SECRET} ok"}]
    )
    sent = stub.seen[-1]["body"]["messages"][0]["content"]
    assert SECRET not in sent and "[REDACTED:" in sent
    assert SECRET not in (reply.choices[0].message.content or "")
    # negative control: a benign prompt is forwarded byte for byte
    c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "plain words"}])
    assert stub.seen[-1]["body"]["messages"][0]["content"] == "plain words"
    verdicts = [e.verdict for e in gw.events(4)]
    assert verdicts == ["block", "block", "redact", "allow"]
    assert gw.events(4)[0].detections[0]["detector"] == "injection"


def test_request_size_and_max_tokens_limits(make_gateway: MakeGateway) -> None:
    gw = make_gateway({"policy": {"max_request_bytes": 2000, "max_tokens": 100}})
    c = client(gw.url, gw.key)
    with pytest.raises(openai.APIStatusError) as big:
        c.chat.completions.create(model="m", messages=[{"role": "user", "content": "x" * 5000}])
    assert big.value.status_code == 413
    with pytest.raises(openai.BadRequestError) as many:
        c.chat.completions.create(model="m", max_tokens=500, messages=[{"role": "user", "content": "x"}])
    assert many.value.code == "max_tokens_exceeded"
    assert c.chat.completions.create(model="m", max_tokens=50, messages=[{"role": "user", "content": "x"}])
