"""Small pieces: SSE parsing, key hashing, config env references, redaction, stream window."""

from __future__ import annotations

import pytest

from aispm.guard.config import DetectorRule, GuardConfigError, expand_env
from aispm.guard.inspect import Inspector, StreamInspector
from aispm.guard.keys import key_id_of, new_key, parse_duration, verify
from aispm.guard.sse import SSEParser
from aispm.guard.store import GuardStore

from .conftest import LEAK, MarkerDetector


def test_sse_parser_handles_split_chunks_crlf_and_comments() -> None:
    parser = SSEParser()
    stream = b': ping\r\n\r\nevent: message_start\r\ndata: {"a":\r\n\r\ndata: [DONE]\n\n'
    events = [e for i in range(0, len(stream), 3) for e in parser.feed(stream[i : i + 3])]
    assert [e.event for e in events] == [None, "message_start", None]
    assert events[1].data == '{"a":' and events[1].json() is None and events[2].data == "[DONE]"
    assert SSEParser().feed(b'data: {"x": 1}\n\n')[0].json() == {"x": 1}


def test_keys_are_hashed_and_verified_in_constant_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, key_id, _, _ = new_key()
    assert key_id_of(key) == key_id and key_id_of("sk-abc") is None
    store = GuardStore(str(tmp_path / "k.db"))
    key, record = store.create_key("svc")
    assert key not in repr(record) and verify(record, key) and not verify(record, key + "x")
    with pytest.raises(Exception, match="exists already"):
        store.create_key("svc")
    assert parse_duration("1w2d") is not None and parse_duration("soon") is None
    store.close()


def test_env_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISPM_T_KEY", "s3cret")
    assert expand_env({"a": ["${AISPM_T_KEY}", "${AISPM_T_NONE:-dflt}"]}) == {"a": ["s3cret", "dflt"]}
    with pytest.raises(GuardConfigError, match="AISPM_T_NONE"):
        expand_env("${AISPM_T_NONE}")


def test_stream_window_catches_a_marker_split_across_deltas() -> None:
    guard = StreamInspector(
        Inspector([MarkerDetector()]),
        {"exfiltration": DetectorRule(action="block")},
        window=64,
        every=4,
        fail_mode="closed",
    )
    pieces = ["hello ", LEAK[:5], LEAK[5:], " bye"]
    results = [guard.feed(p) for p in pieces]
    assert results[:2] == [False, False] and results[2] is True
    clean = StreamInspector(
        Inspector([MarkerDetector()]),
        {"exfiltration": DetectorRule(action="block")},
        window=64,
        every=4,
        fail_mode="closed",
    )
    assert not any(clean.feed(p) for p in ["nothing ", "to see ", "here"]) and not clean.finish()
