"""The format scanners other than pickle and containers, in one place for the dispatcher.

Each format's module is imported when the first file of that format is scanned, so a scan of
safetensors files never loads the ONNX, Keras or GGUF code (nor Jinja, which only a chat template
needs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aispm.artifacts.context import Ctx, Outcome
    from aispm.artifacts.model import ArtifactScan


def scan_gguf(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.gguf_format import scan_gguf as run

    run(buf, name, ctx, out)


def scan_hf_config(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.hf_config import scan_hf_config as run

    run(buf, name, ctx, out)


def scan_keras_config_bytes(data: bytes, out: Outcome, member: str | None) -> None:
    from aispm.artifacts.keras import scan_keras_config_bytes as run

    run(data, out, member)


def scan_keras_h5(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.keras import scan_keras_h5 as run

    run(buf, name, ctx, out)


def scan_onnx(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.onnx_format import scan_onnx as run

    run(buf, name, ctx, out)


def scan_safetensors(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.safetensors_format import scan_safetensors as run

    run(buf, name, ctx, out)


def scan_saved_model_pb(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.savedmodel import scan_saved_model_pb as run

    run(buf, name, ctx, out)


def scan_saved_model_dir(folder: Path, shown: str, ctx: Ctx) -> ArtifactScan:
    from aispm.artifacts.savedmodel import scan_saved_model_dir as run

    return run(folder, shown, ctx)


__all__ = [
    "scan_gguf",
    "scan_hf_config",
    "scan_keras_config_bytes",
    "scan_keras_h5",
    "scan_onnx",
    "scan_safetensors",
    "scan_saved_model_dir",
    "scan_saved_model_pb",
]
