"""Stable identifiers.

An asset id is a URN that the same real thing always gets, whichever scan finds it:
``urn:aispm:<namespace>:<kind>:<natural key>``.  Natural keys are built from what identifies the
thing in the real world (a repository-relative path, a provider and model name, a secret's hash),
never from scan time or random numbers, so two scans can be compared asset by asset.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote


def urn(namespace: str, kind: str, *key: str) -> str:
    """Build an asset URN; key parts are percent-encoded so ``:`` and spaces stay unambiguous."""
    parts = ":".join(quote(str(part), safe="/._-@+=") for part in key)
    return f"urn:aispm:{namespace}:{kind}:{parts}"


def digest(*parts: str, length: int = 16) -> str:
    """A short, stable sha256 hex digest of the joined parts (for fingerprints and secret ids)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]
