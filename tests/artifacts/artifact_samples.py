"""Builders of sample model files for the tests: malicious pickles are assembled opcode by
opcode (never by pickling a live object), and nothing built here is ever loaded."""

from __future__ import annotations

import base64
import io
import json
import struct
import tarfile
import zipfile


def u(text: str) -> bytes:
    """SHORT_BINUNICODE / BINUNICODE of ``text``."""
    raw = text.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def b(data: bytes) -> bytes:
    """BINBYTES of ``data``."""
    return b"B" + struct.pack("<I", len(data)) + data


def proto(n: int = 4) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    """GLOBAL opcode (protocol 0 form)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def sglob(module: str, name: str) -> bytes:
    """STACK_GLOBAL from two strings, memoized (MEMOIZE) for reuse."""
    return u(module) + b"\x94" + u(name) + b"\x94" + b"\x93"


def call1(func: bytes, arg: bytes) -> bytes:
    """func(arg) with TUPLE1 + REDUCE."""
    return func + arg + b"\x85R"


def stop(body: bytes, protocol: int = 4) -> bytes:
    return proto(protocol) + body + b"."


def touch_cmd(canary: str) -> str:
    return f"touch {canary}"


def malicious_pickles(canary: str) -> dict[str, tuple[bytes, str]]:
    """Name -> (pickle bytes, callable that must be reported); each would create ``canary``."""
    cmd = touch_cmd(canary)
    code = f"open({canary!r}, 'w').close()"
    samples = {
        "global_os_system": (glob("os", "system") + b"(V" + cmd.encode() + b"\ntR.", "os.system"),
        "global_posix_system_proto0": (b"cposix\nsystem\n(S'" + cmd.encode() + b"'\ntR.", "os.system"),
        "stack_global_subprocess": (
            stop(sglob("subprocess", "call") + b"]" + u("touch") + b"a" + u(canary) + b"a" + b"\x85R"),
            "subprocess.call",
        ),
        "stack_global_from_memo": (
            stop(u("os") + b"\x94" + u("system") + b"\x94" + b"0" + b"h\x00h\x01\x93" + u(cmd) + b"\x85R"),
            "os.system",
        ),
        "builtins_exec": (stop(call1(sglob("builtins", "exec"), u(code))), "builtins.exec"),
        "inst_opcode": (b"(V" + cmd.encode() + b"\nios\nsystem\n.", "os.system"),
        "obj_opcode": (b"(cos\nsystem\nV" + cmd.encode() + b"\no.", "os.system"),
        "newobj": (
            stop(sglob("subprocess", "Popen") + u("sh") + u("-c") + u(cmd) + b"\x87\x85\x81", 4),
            "subprocess.Popen",
        ),
        "getattr_chain": (
            stop(
                sglob("builtins", "getattr")
                + sglob("importlib", "import_module")
                + u("os")
                + b"\x85R"
                + u("system")
                + b"\x86R"
                + u(cmd)
                + b"\x85R"
            ),
            "os.system",
        ),
        "dotted_torch_os": (stop(call1(sglob("torch", "os.system"), u(cmd))), "os.system"),
        "numpy_runstring": (
            stop(sglob("numpy.testing._private.utils", "runstring") + u(code) + b"}" + b"\x86R"),
            "numpy.testing._private.utils.runstring",
        ),
        "attrgetter": (
            stop(
                sglob("operator", "attrgetter")
                + u("system")
                + b"\x85R"
                + sglob("builtins", "__import__")
                + u("os")
                + b"\x85R"
                + b"\x85R"
                + u(cmd)
                + b"\x85R"
            ),
            "os.system",
        ),
        "methodcaller": (
            stop(
                sglob("operator", "methodcaller")
                + u("system")
                + u(cmd)
                + b"\x86R"
                + sglob("importlib", "import_module")
                + u("os")
                + b"\x85R"
                + b"\x85R"
            ),
            "os.system",
        ),
        "built_name": (
            stop(
                sglob("operator", "add")
                + u("o")
                + u("s")
                + b"\x86R"
                + u("system")
                + b"\x93"
                + u(cmd)
                + b"\x85R"
            ),
            "os.system",
        ),
        "partial": (
            stop(sglob("functools", "partial") + sglob("os", "system") + u(cmd) + b"\x86R" + b")R"),
            "os.system",
        ),
        "vars_getitem": (
            stop(
                sglob("operator", "getitem")
                + sglob("builtins", "vars")
                + sglob("importlib", "import_module")
                + u("os")
                + b"\x85R"
                + b"\x85R"
                + u("system")
                + b"\x86R"
                + u(cmd)
                + b"\x85R"
            ),
            "os.system",
        ),
    }
    nested = stop(call1(sglob("os", "system"), u(cmd)))
    samples["nested_pickle_loads"] = (stop(call1(sglob("pickle", "loads"), b(nested))), "os.system")
    samples["nested_torch_load_bytesio"] = (
        stop(sglob("torch", "load") + sglob("io", "BytesIO") + b(nested) + b"\x85R" + b"\x85R"),
        "os.system",
    )
    return samples


def torch_zip(payload: bytes, prefix: str = "archive") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{prefix}/data.pkl", payload)
        z.writestr(f"{prefix}/version", "3\n")
        z.writestr(f"{prefix}/data/0", b"\x00" * 16)
    return buf.getvalue()


def torch_legacy(payload_body: bytes) -> bytes:
    """Legacy torch.save layout: magic, protocol, sys_info, then the data pickle."""
    magic = bytes.fromhex("80028a0a6cfc9c46f9206aa85019") + b"."
    protocol = b"\x80\x02M\xe9\x03."
    sys_info = b"\x80\x02}q\x00(X\x10\x00\x00\x00protocol_versionq\x01M\xe9\x03u."
    keys = b"\x80\x02]q\x00."
    return magic + protocol + sys_info + stop(payload_body, 2) + keys + b"\x10" + b"\x00" * 7 + b"\x01" * 64


def npy_object(payload: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def keras_v3_lambda(code: bytes) -> bytes:
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "outer",
            "layers": [
                {
                    "module": "keras",
                    "class_name": "Functional",
                    "config": {
                        "name": "inner",
                        "layers": [
                            {
                                "module": "keras.layers",
                                "class_name": "Lambda",
                                "config": {
                                    "name": "evil",
                                    "function": {
                                        "class_name": "__lambda__",
                                        "config": {"code": base64.b64encode(code).decode()},
                                    },
                                },
                            }
                        ],
                    },
                }
            ],
        },
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("model.weights.h5", b"")
    return buf.getvalue()


# -- protobuf ------------------------------------------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, value: bytes | int | str) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    raw = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(raw)) + raw


def saved_model(ops: list[tuple[str, str]], function_ops: list[tuple[str, str]] = ()) -> bytes:  # type: ignore[assignment]
    nodes = b"".join(field(1, field(1, name) + field(2, op)) for name, op in ops)
    fnodes = b"".join(field(3, field(1, name) + field(2, op)) for name, op in function_ops)
    library = field(2, field(1, field(1, field(1, "fn_inference")) + fnodes)) if function_ops else b""
    graph = field(2, nodes + library)
    return field(1, 1) + field(2, graph)


def onnx_model(nodes: list[tuple[str, str]], locations: list[str]) -> bytes:
    node_bytes = b"".join(
        field(1, field(3, f"n{i}") + field(4, op) + field(7, dom)) for i, (op, dom) in enumerate(nodes)
    )
    tensors = b"".join(
        field(5, field(8, f"w{i}") + field(13, field(1, "location") + field(2, loc)) + field(14, 1))
        for i, loc in enumerate(locations)
    )
    graph = field(7, node_bytes + tensors + field(2, "g"))
    return field(1, 8) + field(2, "pytorch") + graph + field(8, field(1, "") + field(2, 17))


def gguf(kv: dict[str, str | int]) -> bytes:
    out = b"GGUF" + struct.pack("<I", 3) + struct.pack("<Q", 0) + struct.pack("<Q", len(kv))
    for key, value in kv.items():
        out += struct.pack("<Q", len(key.encode())) + key.encode()
        if isinstance(value, str):
            out += struct.pack("<I", 8) + struct.pack("<Q", len(value.encode())) + value.encode()
        else:
            out += struct.pack("<I", 4) + struct.pack("<I", value)
    return out


def safetensors(header: dict[str, object], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def zip_with(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, target)
    return buf.getvalue()


def tar_with(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)
    return buf.getvalue()
