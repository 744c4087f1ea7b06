"""Policy: reload without restart, fail-open / fail-closed, rate limits (in process and shared
through a real Redis by two gateway instances), risk-based throttling."""

from __future__ import annotations

import time
import uuid

import openai
import pytest

from .conftest import INJECTION, MakeGateway, base_config, merge


def chat(url: str, key: str, text: str = "hi", model: str = "gpt-4o") -> str:
    c = openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0)
    return (
        c.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
        .choices[0]
        .message.content
        or ""
    )


def test_policy_file_is_reloaded_without_restart(make_gateway: MakeGateway, stub) -> None:  # type: ignore[no-untyped-def]
    gw = make_gateway({"policy": {"models": ["gpt-4o"]}})
    with pytest.raises(openai.PermissionDeniedError):
        chat(gw.url, gw.key, model="gpt-4o-mini")
    assert chat(gw.url, gw.key, model="gpt-4o") == "echo: hi"  # negative control
    gw.write_config(merge(base_config(stub), {"policy": {"models": ["gpt-4o", "gpt-4o-mini"]}}))
    deadline = time.monotonic() + 10
    while True:  # the watcher looks at the file at most once a second
        try:
            assert chat(gw.url, gw.key, model="gpt-4o-mini") == "echo: hi"
            break
        except openai.PermissionDeniedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_detector_failure_fail_closed_then_fail_open(make_gateway: MakeGateway) -> None:
    closed = make_gateway({"policy": {"fail_mode": "closed"}})
    with pytest.raises(openai.BadRequestError) as err:
        chat(closed.url, closed.key, "please EXPLODE")
    assert "detector error" in str(err.value)
    opened = make_gateway({"policy": {"fail_mode": "open"}}, name="open")
    assert chat(opened.url, opened.key, "please EXPLODE") == "echo: please EXPLODE"
    flagged = opened.events(2)[-1]
    assert flagged.verdict == "flag" and flagged.status == 200


def test_upstream_failure_closed_gives_502_open_fails_over(make_gateway: MakeGateway, stub) -> None:  # type: ignore[no-untyped-def]
    dead = {"type": "openai", "url": "http://127.0.0.1:9/v1", "timeout": 3}
    routes = [
        {"name": "primary", "api": "openai", "upstream": "dead"},
        {"name": "backup", "api": "openai", "upstream": "stub"},
    ]
    closed = make_gateway({"upstreams": {"dead": dead}, "routes": routes, "upstream_fail_mode": "closed"})
    with pytest.raises(openai.APIStatusError) as err:
        chat(closed.url, closed.key)
    assert err.value.status_code == 502 and err.value.code == "upstream_error"
    opened = make_gateway(
        {"upstreams": {"dead": dead}, "routes": routes, "upstream_fail_mode": "open"}, name="o"
    )
    assert chat(opened.url, opened.key) == "echo: hi"
    assert opened.events(2)[-1].route == "backup"


def test_in_process_rate_limit_per_key(make_gateway: MakeGateway) -> None:
    gw = make_gateway(key_options={"rpm": 2})
    chat(gw.url, gw.key)
    chat(gw.url, gw.key)
    with pytest.raises(openai.RateLimitError) as err:
        chat(gw.url, gw.key)
    assert err.value.code == "rate_limit_exceeded"
    assert err.value.response.headers["retry-after"]


def test_redis_rate_limit_is_shared_by_two_gateway_instances(
    make_gateway: MakeGateway, redis_url: str
) -> None:
    shared = {"rate_limit": {"backend": "redis", "redis_url": redis_url, "prefix": f"t:{uuid.uuid4().hex}"}}
    a = make_gateway(shared, key_options={"rpm": 3}, name="a")
    b = make_gateway(shared, name="b")  # same store, same key
    assert a.key and a.url != b.url
    chat(a.url, a.key)
    chat(b.url, a.key)
    chat(a.url, a.key)
    with pytest.raises(openai.RateLimitError):
        chat(b.url, a.key)  # the 4th request of the minute, on the other instance


def test_without_redis_two_instances_count_separately(make_gateway: MakeGateway) -> None:
    """Negative control of the shared limit: in-process counters are per instance."""
    a = make_gateway(key_options={"rpm": 3}, name="a")
    b = make_gateway(name="b")
    for url in (a.url, b.url, a.url, b.url):
        chat(url, a.key)


def test_token_limit_counts_usage(make_gateway: MakeGateway) -> None:
    gw = make_gateway(key_options={"tpm": 5})
    chat(gw.url, gw.key, "x" * 40)  # ~10 prompt tokens + reply tokens reported by the stub
    with pytest.raises(openai.RateLimitError) as err:
        chat(gw.url, gw.key)
    assert err.value.code == "token_limit_exceeded"


def test_key_that_keeps_tripping_detectors_is_cut_off(make_gateway: MakeGateway, redis_url: str) -> None:
    risk = {"enabled": True, "slow_after": 1, "slow_ms": 10, "block_after": 2, "cooldown_seconds": 60}
    limits = {"backend": "redis", "redis_url": redis_url, "prefix": f"t:{uuid.uuid4().hex}"}
    gw = make_gateway({"risk": risk, "rate_limit": limits})
    assert chat(gw.url, gw.key) == "echo: hi"  # negative control before any trip
    for _ in range(2):
        with pytest.raises(openai.BadRequestError):
            chat(gw.url, gw.key, INJECTION)
    with pytest.raises(openai.RateLimitError) as err:
        chat(gw.url, gw.key)  # even a clean request is refused during the cool-down
    assert err.value.code == "risk_cooldown"
