"""What every HTML page of aispm shares: the Jinja2 environment (autoescape on), the packaged CSS
and JavaScript it inlines, the Content Security Policy that allows only those by hash, and JSON
that is safe inside a ``<script type="application/json">`` block."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

env = Environment(
    loader=PackageLoader("aispm.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def asset_text(name: str) -> str:
    """A packaged template file (CSS or JavaScript) as text."""
    return (files("aispm.report") / "templates" / name).read_text(encoding="utf-8")


def csp_hash(source: str) -> str:
    """``sha256-<base64>`` of an inline style or script, as a CSP source."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def content_security_policy(style: str, scripts: Iterable[str]) -> str:
    """Nothing may load; only the given inline style and scripts may apply, by hash."""
    script_src = " ".join(f"'{csp_hash(s)}'" for s in scripts) or "'none'"
    return (
        "default-src 'none'; "
        f"style-src '{csp_hash(style)}'; script-src {script_src}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
