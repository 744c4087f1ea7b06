"""A client pointed at a known provider's host: the endpoint and the models called through it
belong to the provider the traffic goes to (``model_providers.yaml`` ``hosts``).

Cases both languages share are in test_language_parity.py; these are the host table itself and
the Python idioms that hand a client to a model (agents SDKs, LiteLLM, module settings).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from source_files import run_analyzer, write_file

from aispm.core.model import AssetKind, Inventory
from aispm.discover.code.ai_assets import endpoint_provider
from aispm.discover.code.javascript import JavaScriptAnalyzer
from aispm.discover.code.python import PythonAnalyzer


def _scan(root: Path, source: str, rel: str = "app.py") -> Inventory:
    analyzer = PythonAnalyzer() if rel.endswith(".py") else JavaScriptAnalyzer()
    return run_analyzer(analyzer, write_file(root, rel, textwrap.dedent(source)))


def _models(out: Inventory) -> set[tuple[str, str]]:
    return {(a.provider, a.name) for a in out.of_kind(AssetKind.MODEL)}


def _endpoints(out: Inventory) -> set[tuple[str, str]]:
    return {(a.provider, a.name) for a in out.of_kind(AssetKind.MODEL_ENDPOINT)}


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://openrouter.ai/api/v1", "openrouter"),
        ("https://api.deepseek.com", "deepseek"),
        ("https://api.deepseek.com/anthropic", "deepseek"),
        ("https://api.groq.com/openai/v1", "groq"),
        ("https://api.together.xyz/v1", "together"),
        ("https://api.together.ai/v1", "together"),
        ("https://api.fireworks.ai/inference/v1", "fireworks"),
        ("https://api.mistral.ai/v1", "mistral"),
        ("https://api.x.ai/v1", "xai"),
        ("https://api.perplexity.ai", "perplexity"),
        ("https://generativelanguage.googleapis.com/v1beta/openai/", "google"),
        ("https://us-central1-aiplatform.googleapis.com/v1/projects/p", "google-vertex"),
        ("https://api.anthropic.com", "anthropic"),
        ("https://api.openai.com/v1", "openai"),
        ("https://contoso.openai.azure.com/", "azure-openai"),
        ("https://contoso.cognitiveservices.azure.com/openai/v1", "azure-openai"),
        ("https://contoso.services.ai.azure.com/models", "azure-openai"),
        ("https://models.inference.ai.azure.com", "github-models"),
        ("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1", "aws-bedrock"),
        ("https://router.huggingface.co/v1", "huggingface"),
        ("https://api-inference.huggingface.co/models/gpt2", "huggingface"),
        ("https://integrate.api.nvidia.com/v1", "nvidia"),
        ("https://api.cerebras.ai/v1", "cerebras"),
        ("https://api.sambanova.ai/v1", "sambanova"),
        ("HTTPS://API.GROQ.COM/openai/v1", "groq"),
        ("http://localhost:11434/v1", "ollama"),
        ("http://127.0.0.1:11434", "ollama"),
        ("http://ollama:11434", "ollama"),  # a compose service: Ollama's port on any host
        ("http://localhost:8000/v1", "vllm"),
        ("http://0.0.0.0:8000/v1", "vllm"),
        ("http://localhost:1234/v1", "lmstudio"),
        # not known: the SDK's provider stays
        ("http://llm.corp.example:8000/v1", None),  # vLLM's port only on local hosts
        ("https://gateway.example.com/v1", None),
        ("https://openrouter.ai.evil.example/v1", None),
        ("https://evil-openrouter.ai/v1", None),
        ("http://localhost:8080/v1", None),
        ("not a url", None),
    ],
)
def test_hosts_name_their_provider(url: str, provider: str | None) -> None:
    assert endpoint_provider(url) == provider


def test_unknown_host_keeps_the_sdk_provider(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        import anthropic
        anthropic.Anthropic(base_url="https://llm-proxy.internal.example").messages.create(
            model="claude-sonnet-4-5", max_tokens=9, messages=[])
        """,
    )
    assert _models(out) == {("anthropic", "claude-sonnet-4-5")}
    assert _endpoints(out) == {("anthropic", "https://llm-proxy.internal.example")}


def test_clients_handed_to_model_wrappers(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        from agents import Agent, OpenAIChatCompletionsModel
        from openai import AsyncOpenAI
        from pydantic_ai.models.openai import OpenAIModel
        from pydantic_ai.providers.openai import OpenAIProvider

        router = AsyncOpenAI(base_url="https://openrouter.ai/api/v1")
        agent = Agent(
            name="triage",
            model=OpenAIChatCompletionsModel(model="anthropic/claude-3.5-sonnet", openai_client=router),
        )
        fast = OpenAIModel(
            model_name="llama-3.1-8b",
            provider=OpenAIProvider(openai_client=AsyncOpenAI(base_url="https://api.cerebras.ai/v1")),
        )
        """,
    )
    # OpenRouter's own model ids carry their maker: the prefix stays part of the name
    assert _models(out) == {("openrouter", "anthropic/claude-3.5-sonnet"), ("cerebras", "llama-3.1-8b")}
    agent = next(out.of_kind(AssetKind.AGENT))
    assert agent.properties["model"] == "anthropic/claude-3.5-sonnet"


def test_router_prefixes_at_a_known_host(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        import litellm
        # LiteLLM's `openai/` only says "OpenAI-compatible"; `deepseek/` names the host's provider
        litellm.completion(model="openai/deepseek-chat", api_base="https://api.deepseek.com", messages=[])
        litellm.completion(model="deepseek/deepseek-reasoner", api_base="https://api.deepseek.com/v1")
        litellm.completion(model="openrouter/meta-llama/llama-3.3-70b-instruct", messages=[])
        litellm.completion(model="groq/llama-3.1-8b-instant", messages=[])
        """,
    )
    assert _models(out) == {
        ("deepseek", "deepseek-chat"),
        ("deepseek", "deepseek-reasoner"),
        ("openrouter", "meta-llama/llama-3.3-70b-instruct"),
        ("groq", "llama-3.1-8b-instant"),
    }


def test_module_setting_points_later_clients(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        import openai
        openai.base_url = "https://api.together.xyz/v1/"
        openai.chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[])
        """,
    )
    assert _models(out) == {("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")}
    assert _endpoints(out) == {("together", "https://api.together.xyz/v1")}


def test_only_the_client_of_the_call_counts(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        from openai import OpenAI
        from transformers import AutoModel
        local = OpenAI(base_url="http://localhost:11434/v1")
        hosted = OpenAI()
        local.chat.completions.create(model="llama3.2", messages=[])
        hosted.chat.completions.create(model="gpt-4o", messages=[])
        AutoModel.from_pretrained("org/model", revision="abc", endpoint="https://openrouter.ai")
        """,
    )
    assert _models(out) == {("ollama", "llama3.2"), ("openai", "gpt-4o"), ("huggingface", "org/model")}


def test_typescript_client_of_the_call(tmp_path: Path) -> None:
    out = _scan(
        tmp_path,
        """
        import OpenAI from "openai";
        const local = new OpenAI({ baseURL: "http://localhost:11434/v1" });
        const hosted = new OpenAI();
        await local.chat.completions.create({ model: "llama3.2" });
        await hosted.chat.completions.create({ model: "gpt-4o" });
        """,
        rel="app.ts",
    )
    assert _models(out) == {("ollama", "llama3.2"), ("openai", "gpt-4o")}
