"""Redaction of secret values: the only form in which aispm stores or shows a secret."""

from __future__ import annotations

import hashlib

_KEEP_PREFIXES = (
    "sk-ant-api03-",
    "sk-ant-admin01-",
    "sk-proj-",
    "sk-svcacct-",
    "sk-admin-",
    "sk-",
    "hf_",
    "api_org_",
    "AIza",
    "gsk_",
    "r8_",
    "xai-",
    "pplx-",
    "AKIA",
    "ASIA",
    "ghp_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
)


def redact(value: str) -> str:
    """Show a secret's well-known prefix and its last 4 characters, nothing else.

    ``sk-proj-abc...xyz1`` becomes ``sk-proj-…xyz1``.  Values of 12 characters or fewer keep
    nothing but their length.
    """
    if len(value) <= 12:
        return "*" * len(value)
    prefix = next((p for p in _KEEP_PREFIXES if value.startswith(p)), "")
    return f"{prefix}…{value[-4:]}"


def fingerprint_secret(value: str) -> str:
    """sha256 of the value, so the same secret is recognised across files and scans."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
