"""Model endpoints named in code: URL normalisation and endpoint properties (shared by languages)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

_LOCAL_HOSTNAMES = frozenset({"localhost", "host.docker.internal", "ip6-localhost", "ip6-loopback"})
_URL_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_NOT_A_HOST = re.compile(r"[^\w.:%-]")
"""A character no host name or address has (``<``, ``{``, ``$`` of placeholders and templates)."""


def normalise_endpoint(url: str) -> tuple[str, dict[str, Any]] | None:
    """``(normalised url, endpoint properties)`` for an http(s)/ws(s) URL, else ``None``.

    Credentials, query and fragment are dropped (they may hold keys); the trailing ``/`` of the
    path is removed so ``https://x/v1`` and ``https://x/v1/`` are one endpoint.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _URL_SCHEMES or not host or _NOT_A_HOST.search(host):
        return None  # `https://<your-resource>.openai.azure.com`: a placeholder, not an endpoint
    shown_host = f"[{host}]" if ":" in host else host
    netloc = f"{shown_host}:{port}" if port is not None else shown_host
    clean = f"{scheme}://{netloc}{parts.path.rstrip('/')}"
    return clean, {"url": clean, "host": host, "scheme": scheme, "local": _is_local(host)}


def _is_local(host: str) -> bool:
    if host in _LOCAL_HOSTNAMES or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified
