"""Redaction of secret values: the only form in which aispm stores or shows a secret."""

from __future__ import annotations

import hashlib

_KEEP_PREFIXES = (
    "sk-ant-api03-",
    "sk-ant-admin01-",
    "sk-proj-",
    "sk-svcacct-",
    "sk-admin-",
    "sk-or-v1-",
    "sk-None-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "sk_",
    "lsv2_pt_",
    "lsv2_sk_",
    "pcsk_",
    "nvapi-",
    "tgp_v1_",
    "fw_",
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
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxe-",
    "xoxr-",
    "xoxs-",
    "xapp-",
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
