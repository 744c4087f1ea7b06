"""Prompt-file analyzer: prompt templates and system prompts kept as files.

Which files count (``data/prompt_files.yaml``): ``.prompt`` / ``.prompty`` / ``.promptfile``
files; Jinja templates with chat markers; text, Markdown, YAML, JSON and template files inside a
``prompts`` / ``prompt_templates`` folder; and files whose name says they are prompts or agent
instructions (``system_prompt*``, ``*.system.md``, ``.cursorrules``, ``CLAUDE.md``,
``.github/copilot-instructions.md`` …).  Each becomes a prompt-template asset with its role,
length, template variables, a short excerpt with secrets redacted, and the types of secrets it
holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import yaml

from aispm.core.ids import digest, urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.data import load_yaml
from aispm.detect.base import Detection
from aispm.detect.scrub import detect_secrets, redact_detections
from aispm.discover.code.base import SourceFile

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class _Config:
    extensions: frozenset[str]
    template_extensions: frozenset[str]
    chat_markers: tuple[bytes, ...]
    prompt_dirs: frozenset[str]
    prompt_dir_extensions: frozenset[str]
    excluded_names: tuple[str, ...]
    names: tuple[tuple[str, bool], ...]
    max_bytes: int
    system_content: tuple[re.Pattern[str], ...]
    role_keys: tuple[str, ...]
    variables: tuple[tuple[re.Pattern[str], bool], ...]
    max_variables: int
    excerpt_length: int


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("prompt_files.yaml")
    return _Config(
        extensions=frozenset(data["extensions"]),
        template_extensions=frozenset(data["template_extensions"]),
        chat_markers=tuple(str(m).encode() for m in data["chat_markers"]),
        prompt_dirs=frozenset(data["prompt_dirs"]),
        prompt_dir_extensions=frozenset(data["prompt_dir_extensions"]),
        excluded_names=tuple(data["excluded_names"]),
        names=tuple((str(n["glob"]), bool(n["system"])) for n in data["names"]),
        max_bytes=int(data["max_bytes"]),
        system_content=tuple(re.compile(p) for p in data["system_content"]),
        role_keys=tuple(data["role_keys"]),
        variables=tuple((re.compile(v["pattern"]), bool(v["prompty_only"])) for v in data["variables"]),
        max_variables=int(data["max_variables"]),
        excerpt_length=int(data["excerpt_length"]),
    )


def _name_rule(file: SourceFile) -> bool | None:
    """``True``/``False`` (system or not) when the file name is a prompt name, else ``None``."""
    return next((system for glob, system in _config().names if fnmatchcase(file.name, glob)), None)


def _in_prompt_dir(file: SourceFile) -> bool:
    config = _config()
    folders = file.rel.split("/")[:-1]
    return (
        file.suffix in config.prompt_dir_extensions
        and any(folder in config.prompt_dirs for folder in folders)
        and not any(fnmatchcase(file.name, glob) for glob in config.excluded_names)
    )


class PromptFileAnalyzer:
    """Finds prompt-template and system-prompt files."""

    name = "prompts"

    def wants(self, file: SourceFile) -> bool:
        config = _config()
        if file.suffix in config.extensions or _name_rule(file) is not None or _in_prompt_dir(file):
            return True
        if file.suffix in config.template_extensions:
            head = file.head(_SNIFF_BYTES)
            return any(marker in head for marker in config.chat_markers)
        return False

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        config = _config()
        if file.size > config.max_bytes:
            out.warn(
                self.name,
                f"skipped: {file.size:,} bytes is too large for a prompt file (limit {config.max_bytes:,})",
                file.location(),
            )
            return
        text = file.text()
        if not text.strip():
            return
        detections = detect_secrets(text)
        props: dict[str, Any] = {
            "role": _role(file, text),
            "length": len(text),
            "excerpt": excerpt(text, detections, config.excerpt_length),
            "variables": template_variables(text, prompty=file.suffix == ".prompty"),
            "secret_types": sorted({d.type for d in detections}),
        }
        prompt_id = urn("code", "prompt_template", file.repo_key, file.rel, digest(text))
        out.add(
            Asset(
                id=prompt_id,
                kind=AssetKind.PROMPT_TEMPLATE,
                name=file.rel,
                provider="local",
                location=file.location(1),
                properties=props,
                source="code",
            )
        )
        out.relate(file.repo_id, RelationKind.CONTAINS, prompt_id)


def _role(file: SourceFile, text: str) -> str:
    """``system`` when the name, the front matter or the content says so; a front matter may
    also say ``user``; otherwise ``template``."""
    config = _config()
    if _name_rule(file):
        return "system"
    body = text
    front = _FRONT_MATTER.match(text)
    if front:
        body = text[front.end() :]
        meta = _front_matter(front.group(1))
        for key in config.role_keys:
            value = str(meta.get(key, "")).strip().lower()
            if value in ("system", "user"):
                return value
        if "system" in meta or "system_prompt" in meta:
            return "system"
    head = body[:_SNIFF_BYTES]
    if any(p.search(head) for p in config.system_content):
        return "system"
    return "template"


def _front_matter(text: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def template_variables(text: str, prompty: bool = False) -> list[str]:
    """Names of template variables, in order of first use (at most ``max_variables``)."""
    config = _config()
    found: dict[int, str] = {}
    for pattern, prompty_only in config.variables:
        if prompty_only and not prompty:
            continue
        for match in pattern.finditer(text):
            found.setdefault(match.start(), match.group(1))
    names = dict.fromkeys(name for _, name in sorted(found.items()))
    return list(names)[: config.max_variables]


def excerpt(text: str, detections: list[Detection], length: int) -> str:
    """The first ``length`` characters, whitespace collapsed, each secret replaced by its
    redacted form before cutting (so no part of a clear secret can remain)."""
    return " ".join(redact_detections(text, detections).split())[:length]
