"""AISPM-GOV-005 on models reached through gateways: a vendor prefix in the model's name
(OpenRouter's ``openai/gpt-4-32k``) brings that vendor's retirements, whoever serves it."""

from __future__ import annotations

from typing import Any

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory
from aispm.posture import Policy, evaluate


def _model(provider: str, name: str, **props: Any) -> Asset:
    return Asset(
        urn("model", "model", provider, name),
        AssetKind.MODEL,
        name,
        provider,
        properties={"provider": provider, "model": name, **props},
    )


def _gov005(*models: Asset) -> list[Finding]:
    findings, _ = evaluate(Inventory.of(models), Policy())
    return [f for f in findings if f.rule_id == "AISPM-GOV-005"]


@pytest.mark.parametrize(
    ("provider", "name", "vendor", "replacement"),
    [
        ("openrouter", "openai/gpt-4-32k", "openai", "gpt-4o"),
        ("openrouter", "anthropic/claude-2.1", "anthropic", "claude-sonnet-4-0"),
        ("together", "google/gemini-1.0-pro", "google", "gemini-2.0-flash"),
        ("github-models", "OpenAI/Text-Davinci-003", "openai", "gpt-4o-mini"),
        # an OpenAI client at a proxy aispm does not know, with LiteLLM-style names
        ("openai", "anthropic/claude-instant-1.2", "anthropic", "claude-3-5-haiku-latest"),
        ("openai", "azure/gpt-4-32k", "azure-openai", "gpt-4o"),
    ],
)
def test_vendor_prefix_brings_the_vendors_retirements(
    provider: str, name: str, vendor: str, replacement: str
) -> None:
    (found,) = _gov005(_model(provider, name))
    assert found.evidence["vendor"] == vendor
    assert found.evidence["provider"] == provider
    assert found.evidence["replacement"] == replacement
    assert f"its vendor {vendor}" in found.message and name in found.message


@pytest.mark.parametrize(
    ("provider", "name", "props"),
    [
        ("openrouter", "openai/gpt-4o", {}),  # current model
        ("openrouter", "meta-llama/claude-2", {}),  # the name's look is not the vendor
        ("openrouter", "mystery/gpt-4-32k", {}),  # prefix that names no known vendor
        ("openrouter", "gpt-4-32k", {}),  # no prefix: the gateway's own name space
        ("openrouter", "openai/", {}),
        ("huggingface", "openai/text-davinci-003", {"revision": None}),  # a Hub repository
    ],
)
def test_negative_without_a_vendor_whose_model_is_retired(provider: str, name: str, props: Any) -> None:
    assert _gov005(_model(provider, name, **props)) == []


def test_direct_providers_keep_matching() -> None:
    found = _gov005(_model("openai", "gpt-4-0314"), _model("azure-openai", "gpt-4-32k"))
    assert sorted(f.evidence["provider"] for f in found) == ["azure-openai", "openai"]
    assert all("by the provider" in f.message for f in found)
    assert _gov005(_model("anthropic", "gpt-4-0314")) == []
