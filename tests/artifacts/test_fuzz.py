"""Bounded fuzzing of every parser: mutated valid samples (truncated, bytes flipped, spliced)
always give an ArtifactScan and never raise."""

from __future__ import annotations

import gzip
import json
import pickle

import artifact_samples as samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aispm.artifacts import scan_bytes
from aispm.artifacts.model import ArtifactScan, Limits

_LIMITS = Limits(max_seconds=5.0, max_pickle_ops=200_000, max_memo=10_000, max_stack=10_000)
_BAD = samples.malicious_pickles("/tmp/aispm-canary-fuzz")
_SEEDS: dict[str, bytes] = {
    "a.pkl": pickle.dumps({"a": [1, 2.5, "x", b"y", (None, True)]}, protocol=4),
    "b.pkl": pickle.dumps({"a": [1, 2]}, protocol=0),
    "c.pkl": _BAD["getattr_chain"][0],
    "d.pkl": _BAD["nested_pickle_loads"][0],
    "m.pt": samples.torch_zip(_BAD["global_os_system"][0]),
    "l.pt": samples.torch_legacy(b"}"),
    "x.npy": samples.npy_object(pickle.dumps([1], protocol=2)),
    "z.pkl.gz": gzip.compress(pickle.dumps([1, 2, 3], protocol=4)),
    "m.keras": samples.keras_v3_lambda(b"\xe3\x00code"),
    "saved_model.pb": samples.saved_model([("a", "ReadFile")], [("b", "PyFunc")]),
    "m.onnx": samples.onnx_model([("Relu", ""), ("X", "evil")], ["../w.bin"]),
    "m.gguf": samples.gguf(
        {"tokenizer.chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}", "n": 1}
    ),
    "m.safetensors": samples.safetensors(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\x00" * 8
    ),
    "config.json": json.dumps({"auto_map": {"AutoModel": "a--b.C"}}).encode(),
    "b.zip": samples.zip_with({"a.pkl": _BAD["inst_opcode"][0]}, symlinks={"l": "/etc"}),
    "b.tar": samples.tar_with({"a.pkl": _BAD["obj_opcode"][0]}),
}


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]], splice: bytes) -> bytes:
    out = bytearray(data[: max(1, cut % (len(data) + 1))] if cut % 3 == 0 else data)
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    if splice:
        at = cut % (len(out) + 1)
        out[at:at] = splice
    return bytes(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(_SEEDS)),
    cut=st.integers(min_value=0, max_value=1 << 16),
    flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=8),
    splice=st.binary(max_size=32),
)
def test_mutated_samples_never_raise(
    name: str, cut: int, flips: list[tuple[int, int]], splice: bytes
) -> None:
    scan = scan_bytes(_mutate(_SEEDS[name], cut, flips, splice), name, limits=_LIMITS)
    assert isinstance(scan, ArtifactScan)
    assert scan.error is None or not scan.error.startswith("internal error"), scan.error


def test_seeds_parse_without_error() -> None:
    for name, data in _SEEDS.items():
        scan = scan_bytes(data, name, limits=_LIMITS)
        assert scan.format is not None and scan.error is None, (name, scan.to_json())
