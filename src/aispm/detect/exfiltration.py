"""Exfiltration in model outputs: images and links that carry data to hosts outside an allow-list.

A markdown image (``![x](url)``), an HTML ``<img src>`` or a reference-style image definition is
fetched by the client as soon as the output renders — no click needed — so data in its URL leaves
silently.  Links are only flagged when their URL carries data (long, encoded or secret-looking
query values or path segments).  Hosts on the allow-list (and their subdomains) are never flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from aispm.detect.base import Detection
from aispm.detect.entropy import shannon_entropy
from aispm.detect.scrub import detect_secrets

_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\]\(\s*<?(https?://[^\s)>]+)")
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]{0,200}\]\(\s*<?(https?://[^\s)>]+)")
_HTML_IMG = re.compile(r"<img\b[^>]{0,300}?\bsrc\s*=\s*[\"']?(https?://[^\s\"'>]+)", re.IGNORECASE)
_REF_DEF = re.compile(r"^\s{0,3}\[([^\]\n]{1,100})\]:\s*<?(https?://\S+?)>?(?:\s|$)", re.MULTILINE)
_REF_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\]\[([^\]\n]{0,100})\]")
_B64ISH = re.compile(r"^[A-Za-z0-9+/=_-]{24,}$")
_HEXISH = re.compile(r"^[0-9a-fA-F]{24,}$")


def _host_allowed(host: str, allowed: frozenset[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in allowed)


def data_in_url(url: str) -> str | None:
    """Why ``url`` looks like it carries data (``secret``, ``encoded``, ``long_value``), or None."""
    parts = urlsplit(url)
    values = [unquote(v) for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    values += [unquote(seg) for seg in parts.path.split("/") if len(seg) >= 24]
    if parts.fragment:
        values.append(unquote(parts.fragment))
    for value in values:
        if detect_secrets(value):
            return "secret"
        compact = value.replace(" ", "")
        if (_B64ISH.match(compact) or _HEXISH.match(compact)) and shannon_entropy(compact) >= 3.5:
            return "encoded"
        if len(value) >= 64:
            return "long_value"
    return None


class ExfiltrationDetector:
    """Flags auto-fetched images to non-allowed hosts, and data-carrying links."""

    name = "exfiltration"

    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed = frozenset(h.lower() for h in allowed_hosts)

    def detect(self, text: str) -> list[Detection]:
        """Exfiltration channels in ``text`` (a model output)."""
        if "http" not in text:
            return []
        found: list[Detection] = []
        for regex, kind in ((_MD_IMAGE, "markdown_image"), (_HTML_IMG, "html_image")):
            for match in regex.finditer(text):
                self._check(match.start(1), match.end(1), text, kind, image=True, out=found)
        for match in _MD_LINK.finditer(text):
            self._check(match.start(1), match.end(1), text, "markdown_link", image=False, out=found)
        refs = {m.group(1).lower(): m for m in _REF_DEF.finditer(text)}
        used_as_image = {m.group(1).lower() for m in _REF_IMAGE.finditer(text)}
        for label, match in refs.items():
            image = label in used_as_image
            kind = "reference_image" if image else "reference_link"
            self._check(match.start(2), match.end(2), text, kind, image=image, out=found)
        return sorted(found, key=lambda d: d.start)

    def _check(
        self, start: int, end: int, text: str, kind: str, *, image: bool, out: list[Detection]
    ) -> None:
        url = text[start:end]
        host = urlsplit(url).hostname or ""
        if _host_allowed(host, self.allowed):
            return
        carried = data_in_url(url)
        if carried is None and not image:
            return
        score = 0.95 if carried else 0.6
        out.append(
            Detection(
                self.name,
                f"{kind}_exfiltration" if carried else f"{kind}_external",
                start,
                end,
                score,
                f"[{kind} to {host}]",
                {"host": host, "carries": carried},
            )
        )
