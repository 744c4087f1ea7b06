"""The format scanners other than pickle and containers, in one place for the dispatcher."""

from aispm.artifacts.gguf_format import scan_gguf
from aispm.artifacts.hf_config import scan_hf_config
from aispm.artifacts.keras import scan_keras_config_bytes, scan_keras_h5
from aispm.artifacts.onnx_format import scan_onnx
from aispm.artifacts.safetensors_format import scan_safetensors
from aispm.artifacts.savedmodel import scan_saved_model_dir, scan_saved_model_pb

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
