"""Format scanners other than pickle: Keras, SavedModel, ONNX, GGUF, safetensors, HF configs."""

from __future__ import annotations

import json
import marshal
import struct
from pathlib import Path, PurePosixPath

import artifact_samples as samples
import pytest

from aispm.artifacts import identify, scan_bytes, scan_file
from aispm.artifacts.sniff import base_name, path_parts, suffix_of

CANARY = "/tmp/aispm-canary-formats"


def _kinds(scan: object) -> list[str]:
    return [i.kind for i in scan.all_issues()]  # type: ignore[attr-defined]


def test_keras_v3_nested_lambda() -> None:
    code = marshal.dumps(compile(f"__import__('os').system('touch {CANARY}')", "<x>", "exec"))
    scan = scan_bytes(samples.keras_v3_lambda(code), "m.keras")
    assert scan.format == "keras_v3" and scan.verdict == "malicious"
    lambdas = [i for i in scan.issues if i.kind == "lambda_layer"]
    assert lambdas and "'evil'" in lambdas[0].detail and "system" in lambdas[0].detail


def test_keras_v3_benign_and_custom_object() -> None:
    import io
    import zipfile

    def keras(layers: list[dict[str, object]]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(
                "config.json",
                json.dumps({"module": "keras", "class_name": "Sequential", "config": {"layers": layers}}),
            )
            z.writestr("metadata.json", "{}")
        return buf.getvalue()

    dense = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2}}
    assert scan_bytes(keras([dense]), "ok.keras").verdict == "clean"
    custom = {
        "module": "my_layers",
        "class_name": "Fancy",
        "config": {"name": "f"},
        "registered_name": "Custom>Fancy",
    }
    scan = scan_bytes(keras([dense, custom]), "c.keras")
    assert scan.verdict == "suspicious" and "custom_object" in _kinds(scan)
    fn = {
        "module": "keras.layers",
        "class_name": "Activation",
        "config": {"activation": {"module": "os", "class_name": "function", "config": "system"}},
    }
    assert scan_bytes(keras([fn]), "f.keras").verdict == "malicious"


def test_keras_h5_lambda(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    code = marshal.dumps(compile("1", "<x>", "eval"))
    import base64

    config = {
        "class_name": "Sequential",
        "config": {
            "layers": [
                {
                    "class_name": "Lambda",
                    "config": {
                        "name": "l",
                        "function": [base64.b64encode(code).decode(), None, None],
                        "function_type": "lambda",
                    },
                }
            ]
        },
    }
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.15.0"
    good = tmp_path / "good.h5"
    with h5py.File(good, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": []}})
    assert scan_file(bad).verdict == "malicious"
    assert scan_file(good).verdict == "clean" and scan_file(good).format == "keras_h5"


def test_saved_model_ops(tmp_path: Path) -> None:
    folder = tmp_path / "sm"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(
        samples.saved_model(
            [("x", "Placeholder"), ("save/SaveV2", "SaveV2")], [("read", "ReadFile"), ("py", "PyFunc")]
        )
    )
    scan = scan_file(folder)
    assert scan.format == "tf_savedmodel" and scan.verdict == "malicious"
    details = [i.detail for i in scan.all_issues()]
    assert any("ReadFile" in d for d in details) and any("PyFunc" in d for d in details)
    assert not any("SaveV2" in d for d in details)
    clean = samples.saved_model([("x", "Placeholder"), ("m", "MatMul"), ("s", "SaveV2")])
    assert scan_bytes(clean, "saved_model.pb").verdict == "clean"


def test_onnx_custom_domain_and_external_data() -> None:
    data = samples.onnx_model(
        [("Relu", ""), ("Evil", "com.attacker")], ["weights.bin", "../../etc/passwd", "/abs"]
    )
    assert identify(data[:64], "model.onnx") == "onnx"
    scan = scan_bytes(data, "model.onnx")
    kinds = _kinds(scan)
    assert kinds.count("external_data_escape") == 2 and "custom_op_domain" in kinds
    clean = scan_bytes(samples.onnx_model([("Relu", ""), ("Conv", "ai.onnx")], ["weights.bin"]), "m.onnx")
    assert clean.verdict == "clean" and clean.metadata["nodes"] == 2


BENIGN_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'user' %}<|user|>{{ message['content'] }}"
    "{% elif message['role'] == 'system' %}{{ message.content | trim }}{% endif %}{% endfor %}"
    "{% set ns = namespace(found=false) %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.mark.parametrize(
    "template",
    [
        "{{ cycler.__init__.__globals__.os.popen('touch /tmp/x').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ joiner.__init__.__globals__['__builtins__']['eval']('1') }}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum | attr('__glo' ~ 'bals__') }}",
        "{{ x['__cla' + 'ss__'] }}",
    ],
)
def test_gguf_template_gadgets(template: str) -> None:
    scan = scan_bytes(samples.gguf({"general.name": "m", "tokenizer.chat_template": template}), "m.gguf")
    assert scan.format == "gguf" and scan.verdict == "malicious", template
    assert "template_code" in _kinds(scan)


def test_gguf_benign_and_hostile_lengths() -> None:
    scan = scan_bytes(
        samples.gguf({"general.name": "m", "tokenizer.chat_template": BENIGN_TEMPLATE, "n": 3}), "m.gguf"
    )
    assert scan.verdict == "clean" and scan.metadata["chat_template"] is True and scan.error is None
    huge = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**60)
    assert "truncated" in (scan_bytes(huge, "h.gguf").error or "") or scan_bytes(huge, "h.gguf").error


def test_safetensors_checks() -> None:
    ok = samples.safetensors(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"format": "pt"}},
        b"\x00" * 8,
    )
    assert scan_bytes(ok, "m.safetensors").verdict == "clean"
    overlap = samples.safetensors(
        {
            "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
        },
        b"\x00" * 12,
    )
    assert any("overlap" in i.detail for i in scan_bytes(overlap, "m.safetensors").issues)
    outside = samples.safetensors({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 8)
    assert scan_bytes(outside, "m.safetensors").verdict == "malicious"
    meta = samples.safetensors({"__metadata__": {"x": 1}}, b"")
    assert "header_invalid" in _kinds(scan_bytes(meta, "m.safetensors"))
    huge = struct.pack("<Q", 2**40) + b'{"a": 1}'
    scan = scan_bytes(huge, "m.safetensors")
    assert scan.error and "header_invalid" in _kinds(scan)


def test_hf_configs() -> None:
    remote = json.dumps({"auto_map": {"AutoModel": "evil/repo--modeling.Evil"}, "model_type": "x"}).encode()
    scan = scan_bytes(remote, "config.json")
    assert scan.format == "hf_config" and scan.verdict == "malicious"
    local = json.dumps({"auto_map": {"AutoModel": "modeling_x.X"}}).encode()
    assert scan_bytes(local, "config.json").verdict == "suspicious"
    tok = json.dumps(
        {"tokenizer_class": "tokenization_x.XTokenizer", "chat_template": "{{ cycler.__init__.__globals__ }}"}
    ).encode()
    assert set(_kinds(scan_bytes(tok, "tokenizer_config.json"))) == {"remote_code", "template_code"}
    bert = json.dumps({"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8}).encode()
    clean = scan_bytes(bert, "config.json")
    assert clean.verdict == "clean" and clean.metadata["model_type"] == "bert"
    assert identify(bert, "data.json") is None


@pytest.mark.parametrize(
    "path",
    ["", ".", "..", "/", "//", "a", "a.pkl", "a/b.tar.gz", "a/b/", "a/./b.", "/a/.hidden", "a//..", "c/d.e/"],
)
def test_path_helpers_read_names_as_pure_posix_path(path: str) -> None:
    pure = PurePosixPath(path)
    assert base_name(path) == pure.name
    assert suffix_of(path) == pure.suffix
    assert path_parts(path) == [p for p in pure.parts if p not in ("/", "//")]
