"""Repository secrets: credentials hard-coded in any text file of the scanned tree.

Each secret becomes one ``secret`` asset keyed by provider and value fingerprint, so the same key
found in several files is one asset whose ``locations`` list every place.  Only the redacted form
and the fingerprint are kept; the clear value never leaves :meth:`SecretsAnalyzer.analyze`.
"""

from __future__ import annotations

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.detect.base import Detection
from aispm.detect.secret_rules import FileRules, secret_rules
from aispm.detect.secrets import SecretsDetector, secret_type_label
from aispm.discover.code.base import SourceFile, ensure_file_asset


class SecretsAnalyzer:
    """Runs the secrets detector over every text-like file (not binaries or model weights)."""

    name = "secrets"

    def __init__(self, detector: SecretsDetector | None = None) -> None:
        self.detector = detector or SecretsDetector()
        self.files: FileRules = secret_rules().files

    def wants(self, file: SourceFile) -> bool:
        name = file.name.lower()
        suffix = file.suffix
        if suffix in self.files.binary_suffixes:
            return False
        if suffix in self.files.text_suffixes and suffix not in self.files.sniff_suffixes:
            return True
        if name in self.files.text_names or name.startswith(self.files.text_name_prefixes):
            return True
        # other files (no suffix, unknown suffix, possibly-binary suffix): read if they are text
        return _looks_like_text(file)

    def is_lock_file(self, file: SourceFile) -> bool:
        """Lock files hold integrity hashes, not credentials: only provider patterns run on them."""
        return file.name.lower() in self.files.lock_names or file.suffix in self.files.lock_suffixes

    def language(self, file: SourceFile) -> str:
        name = file.name.lower()
        for prefix, language in self.files.name_languages.items():
            if name == prefix or name.startswith(prefix + "."):
                return language
        return self.files.languages.get(file.suffix, "text")

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        detections = self.detector.detect(text, assignments=not self.is_lock_file(file))
        if not detections:
            return
        file_id = ensure_file_asset(file, out, language=self.language(file))
        line, counted = 1, 0
        for detection in detections:  # in order of offset
            line += text.count("\n", counted, detection.start)
            counted = detection.start
            secret = secret_asset(detection, file, line)
            out.add(secret)
            out.relate(file_id, RelationKind.CONTAINS, secret.id, line=line)


def secret_asset(detection: Detection, file: SourceFile, line: int) -> Asset:
    """The ``secret`` asset of a detection at ``file:line`` (see docs/architecture.md)."""
    attrs = detection.attributes
    provider = str(attrs.get("provider") or "generic")
    fingerprint = str(attrs["value_sha256"])
    return Asset(
        id=urn("secret", "secret", provider, fingerprint[:16]),
        kind=AssetKind.SECRET,
        name=f"{secret_type_label(detection.type)} ({detection.redacted})",
        provider=provider,
        location=file.location(line),
        properties={
            "secret_type": detection.type,
            "provider": provider,
            "redacted": detection.redacted,
            "variable": attrs.get("variable"),
            "locations": [{"path": file.rel, "line": line}],
            "detection": attrs.get("detection", "pattern"),
        },
        source="code",
    )


def _looks_like_text(file: SourceFile) -> bool:
    head = file.head()
    return bool(head) and b"\x00" not in head
