"""Hugging Face JSON configs that name code to import (``auto_map``, custom classes with module
paths, ``trust_remote_code``) or carry a chat template."""

from __future__ import annotations

import json
from typing import Any

from aispm.artifacts.context import Ctx, Malformed, Outcome
from aispm.core.model import Severity

_MAX_JSON = 64 * 1024 * 1024


def _targets(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def scan_hf_config(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "hf_config"
    if len(buf) > _MAX_JSON:
        raise Malformed(f"JSON config larger than {_MAX_JSON:,} bytes")
    try:
        doc = json.loads(bytes(buf))
    except (ValueError, RecursionError):
        raise Malformed("not valid JSON") from None
    if not isinstance(doc, dict):
        return
    auto_map = doc.get("auto_map")
    if isinstance(auto_map, dict):
        for auto_class, value in auto_map.items():
            for target in _targets(value):
                remote = "--" in target
                severity = Severity.HIGH if remote else Severity.MEDIUM
                where = (
                    f"code from repository {target.split('--')[0]!r}"
                    if remote
                    else "Python code shipped beside it"
                )
                out.add(
                    "remote_code",
                    severity,
                    f"auto_map {auto_class} -> {target}: loading imports {where}",
                    callable=target,
                )
    if doc.get("trust_remote_code") is True:
        out.add("remote_code", Severity.MEDIUM, "trust_remote_code is true in the config")
    for key in ("tokenizer_class", "processor_class", "feature_extractor_type", "image_processor_type"):
        value = doc.get(key)
        if isinstance(value, str) and "." in value:
            out.add("remote_code", Severity.MEDIUM, f"{key} names a module path: {value}", callable=value)
    template = doc.get("chat_template")
    if template is not None:
        _check_templates(template, out)
    for key in ("license", "base_model", "_name_or_path", "model_type"):
        if isinstance(doc.get(key), str):
            out.metadata[key] = doc[key][:200]


def _check_templates(template: object, out: Outcome) -> None:
    """Check the ``chat_template`` (one string, or a list of named ones) with Jinja's parser."""
    from aispm.artifacts.template_check import check_template  # Jinja: only when there is a template

    if isinstance(template, str):
        check_template(template, out, "chat_template")
    elif isinstance(template, list):
        for entry in template:
            if isinstance(entry, dict) and isinstance(entry.get("template"), str):
                check_template(entry["template"], out, f"chat_template {entry.get('name')!r}")
