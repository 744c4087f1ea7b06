"""Preparation steps run on a resource's fields before redaction (named in aws_resources.yaml)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]


def lifecycle_scripts(record: Record) -> Record:
    """Decode the base64 ``Content`` of notebook lifecycle hooks into ``scripts`` (so secrets in
    them are found and redacted); the encoded content is not kept."""
    scripts: list[dict[str, str]] = []
    for hook in ("OnCreate", "OnStart"):
        entries = record.get(hook)
        if not isinstance(entries, list):
            continue
        kept = []
        for entry in entries:
            content = entry.get("Content") if isinstance(entry, dict) else None
            if isinstance(content, str):
                scripts.append({"hook": hook, "text": _decode(content)})
                kept.append({**entry, "Content": "(decoded into scripts)"})
            else:
                kept.append(entry)
        record[hook] = kept
    record["scripts"] = scripts
    return record


def _decode(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return content


PREPARE: dict[str, Callable[[Record], Record]] = {"lifecycle_scripts": lifecycle_scripts}
