"""The same SDK, model or endpoint found in Python and in JavaScript / TypeScript is one asset.

Each case is one use of a catalog SDK written both ways; the SDK, model and endpoint assets the two
analyzers build must be identical (id, kind, name, provider, properties), so the inventory merges
them and rules and attack-path joins treat them alike.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from source_files import run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory
from aispm.discover.code.catalog import load_catalog
from aispm.discover.code.javascript import JavaScriptAnalyzer
from aispm.discover.code.python import PythonAnalyzer

_AI_KINDS = (
    AssetKind.AI_SERVICE,
    AssetKind.AI_FRAMEWORK,
    AssetKind.VECTOR_STORE,
    AssetKind.MODEL,
    AssetKind.MODEL_ENDPOINT,
)


def _analyze(root: Path, rel: str, source: str, out: Inventory) -> None:
    analyzer = PythonAnalyzer() if rel.endswith(".py") else JavaScriptAnalyzer()
    run_analyzer(analyzer, write_file(root, rel, textwrap.dedent(source)), out=out)


def _ai_assets(root: Path, rel: str, source: str) -> dict[str, tuple[Any, ...]]:
    out = Inventory()
    _analyze(root, rel, source, out)
    return {a.id: (a.kind, a.name, a.provider, dict(a.properties)) for a in out.of_kind(*_AI_KINDS)}


# (case id, Python source, TypeScript source, ids both must produce)
CASES: list[tuple[str, str, str, set[str]]] = [
    (
        "openai",
        """
        from openai import OpenAI
        client = OpenAI(base_url="https://gateway.example.com/v1/")
        client.chat.completions.create(model="gpt-4o", messages=[])
        """,
        """
        import OpenAI from "openai";
        const client = new OpenAI({ baseURL: "https://gateway.example.com/v1/" });
        await client.chat.completions.create({ model: "gpt-4o", messages: [] });
        """,
        {
            urn("model", "model", "openai", "gpt-4o"),
            urn("endpoint", "model_endpoint", "https://gateway.example.com/v1"),
        },
    ),
    (
        "openai-compatible-local-server-with-two-sdks",
        """
        import anthropic
        from openai import OpenAI
        OpenAI(base_url="http://localhost:11434/v1").chat.completions.create(model="llama3", messages=[])
        """,
        """
        import Anthropic from "@anthropic-ai/sdk";
        import OpenAI from "openai";
        const local = new OpenAI({ baseURL: "http://localhost:11434/v1" });
        await local.chat.completions.create({ model: "llama3", messages: [] });
        """,
        {  # Ollama's port: the traffic goes to Ollama whichever SDK's API shape it speaks
            urn("model", "model", "ollama", "llama3"),
            urn("endpoint", "model_endpoint", "http://localhost:11434/v1"),
        },
    ),
    (
        "azure-openai-client-of-the-openai-package",
        """
        from openai import AzureOpenAI
        c = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com/")
        c.chat.completions.create(model="prod-gpt4", messages=[])
        """,
        """
        import { AzureOpenAI } from "openai";
        const c = new AzureOpenAI({ endpoint: "https://acme.openai.azure.com/" });
        await c.chat.completions.create({ model: "prod-gpt4", messages: [] });
        """,
        {
            urn("code", "ai_service", "azure-openai"),
            urn("model", "model", "azure-openai", "prod-gpt4"),
            urn("endpoint", "model_endpoint", "https://acme.openai.azure.com"),
        },
    ),
    (
        "anthropic",
        """
        import anthropic
        class Bot:
            def __init__(self):
                self.client = anthropic.Anthropic(base_url="http://127.0.0.1:8080")
            def ask(self):
                return self.client.messages.create(model="claude-3-5-sonnet-latest", messages=[])
        """,
        """
        import Anthropic from "@anthropic-ai/sdk";
        class Bot {
          private client = new Anthropic({ baseURL: "http://127.0.0.1:8080" });
          ask() { return this.client.messages.create({ model: "claude-3-5-sonnet-latest", messages: [] }); }
        }
        """,
        {urn("model", "model", "anthropic", "claude-3-5-sonnet-latest")},
    ),
    (
        "google-gemini",
        """
        from google import genai
        genai.Client().models.generate_content(model="gemini-2.0-flash", contents="hi")
        """,
        """
        import { GoogleGenAI } from "@google/genai";
        await new GoogleGenAI({}).models.generateContent({ model: "gemini-2.0-flash", contents: "hi" });
        """,
        {urn("model", "model", "google", "gemini-2.0-flash")},
    ),
    (
        "google-vertex-ai",
        """
        from langchain_google_vertexai import ChatVertexAI
        llm = ChatVertexAI(model="gemini-1.5-pro")
        """,
        """
        import { ChatVertexAI } from "@langchain/google-vertexai";
        const llm = new ChatVertexAI({ model: "gemini-1.5-pro" });
        """,
        {urn("model", "model", "google-vertex", "gemini-1.5-pro")},
    ),
    (
        "aws-bedrock",
        """
        import boto3
        b = boto3.client("bedrock-runtime", endpoint_url="https://vpce-1.bedrock.example.com")
        b.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
        """,
        """
        import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
        const b = new BedrockRuntimeClient({ endpoint: "https://vpce-1.bedrock.example.com" });
        await b.send(new ConverseCommand({ modelId: "anthropic.claude-3-haiku-20240307-v1:0" }));
        """,
        {
            urn("model", "model", "aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0"),
            urn("endpoint", "model_endpoint", "https://vpce-1.bedrock.example.com"),
        },
    ),
    (
        "cohere",
        """
        import cohere
        cohere.ClientV2().chat(model="command-r-plus", messages=[])
        """,
        """
        import { CohereClientV2 } from "cohere-ai";
        const co = new CohereClientV2({});
        await co.chat({ model: "command-r-plus", messages: [] });
        """,
        {urn("model", "model", "cohere", "command-r-plus")},
    ),
    (
        "mistral",
        """
        from mistralai import Mistral
        Mistral(api_key=key).chat.complete(model="mistral-large-latest", messages=[])
        """,
        """
        import { Mistral } from "@mistralai/mistralai";
        await new Mistral({ apiKey: key }).chat.complete({ model: "mistral-large-latest", messages: [] });
        """,
        {urn("model", "model", "mistral", "mistral-large-latest")},
    ),
    (
        "groq",
        """
        from groq import Groq
        Groq().chat.completions.create(model="llama-3.1-8b-instant", messages=[])
        """,
        """
        const Groq = require("groq-sdk");
        const groq = new Groq();
        groq.chat.completions.create({ model: "llama-3.1-8b-instant", messages: [] });
        """,
        {urn("model", "model", "groq", "llama-3.1-8b-instant")},
    ),
    (
        "xai-through-the-vercel-ai-sdk",
        """
        from xai_sdk import Client
        Client().chat.create(model="grok-2")
        """,
        """
        import { generateText } from "ai";
        import { xai } from "@ai-sdk/xai";
        await generateText({ model: xai("grok-2"), prompt: "hi" });
        """,
        {urn("model", "model", "xai", "grok-2")},
    ),
    (
        "ollama",
        """
        import ollama
        ollama.Client(host="http://127.0.0.1:11434").chat(model="llama3.1:8b", messages=[])
        """,
        """
        import { Ollama } from "ollama";
        const ollama = new Ollama({ host: "http://127.0.0.1:11434" });
        await ollama.chat({ model: "llama3.1:8b", messages: [] });
        """,
        {
            urn("model", "model", "ollama", "llama3.1:8b"),
            urn("endpoint", "model_endpoint", "http://127.0.0.1:11434"),
        },
    ),
    (
        "hugging-face-inference",
        """
        from huggingface_hub import InferenceClient
        InferenceClient(model="meta-llama/Llama-3.1-8B-Instruct")
        """,
        """
        import { InferenceClient } from "@huggingface/inference";
        await new InferenceClient(token).chatCompletion({ model: "meta-llama/Llama-3.1-8B-Instruct" });
        """,
        {urn("model", "model", "huggingface", "meta-llama/Llama-3.1-8B-Instruct")},
    ),
    (
        "hugging-face-transformers-hub-revision",
        """
        from transformers import AutoTokenizer
        SHA = "5546055f03398095e385d7dc625e636cc8910bf2"
        AutoTokenizer.from_pretrained("Xenova/bert-base-uncased", revision=SHA)
        AutoTokenizer.from_pretrained("./checkpoints/local")
        """,
        """
        import { AutoTokenizer } from "@huggingface/transformers";
        const SHA = "5546055f03398095e385d7dc625e636cc8910bf2";
        await AutoTokenizer.from_pretrained("Xenova/bert-base-uncased", { revision: SHA });
        await AutoTokenizer.from_pretrained("./checkpoints/local");
        """,
        {urn("model", "model", "huggingface", "Xenova/bert-base-uncased")},
    ),
    (
        "langchain-provider-prefix",
        """
        from langchain.chat_models import init_chat_model
        init_chat_model("anthropic:claude-3-5-haiku-latest")
        init_chat_model("llama3", model_provider="ollama")
        """,
        """
        import { initChatModel } from "langchain/chat_models/universal";
        await initChatModel("anthropic:claude-3-5-haiku-latest");
        await initChatModel("llama3", { modelProvider: "ollama" });
        """,
        {
            urn("model", "model", "anthropic", "claude-3-5-haiku-latest"),
            urn("model", "model", "ollama", "llama3"),
        },
    ),
    (
        "langchain-openai-client",
        """
        from langchain_openai import ChatOpenAI
        ChatOpenAI(model="gpt-4o-mini", base_url="http://localhost:1234/v1")
        """,
        """
        import { ChatOpenAI } from "@langchain/openai";
        new ChatOpenAI({ model: "gpt-4o-mini", configuration: { baseURL: "http://localhost:1234/v1" } });
        """,
        {  # LM Studio's port
            urn("model", "model", "lmstudio", "gpt-4o-mini"),
            urn("endpoint", "model_endpoint", "http://localhost:1234/v1"),
        },
    ),
    (
        "langchain-ollama-client",
        """
        from langchain_ollama import ChatOllama
        ChatOllama(model="llama3", base_url="http://localhost:11434")
        """,
        """
        import { ChatOllama } from "@langchain/ollama";
        new ChatOllama({ model: "llama3", baseUrl: "http://localhost:11434" });
        """,
        {
            urn("model", "model", "ollama", "llama3"),
            urn("endpoint", "model_endpoint", "http://localhost:11434"),
        },
    ),
    (
        "llamaindex-openai",
        """
        from llama_index.llms.openai import OpenAI
        OpenAI(model="gpt-4o")
        """,
        """
        import { OpenAI } from "@llamaindex/openai";
        new OpenAI({ model: "gpt-4o" });
        """,
        {urn("model", "model", "openai", "gpt-4o")},
    ),
    (
        "openai-agents",
        """
        from agents import Agent
        Agent(name="helper", model="gpt-4.1")
        """,
        """
        import { Agent } from "@openai/agents";
        new Agent({ name: "helper", model: "gpt-4.1" });
        """,
        {urn("code", "ai_framework", "openai-agents"), urn("model", "model", "openai", "gpt-4.1")},
    ),
    (
        "models-and-urls-from-constants-and-environment-defaults",
        """
        import os
        from openai import OpenAI
        MODEL = "gpt-4o"
        c = OpenAI(base_url=os.getenv("OPENAI_BASE_URL", "http://localhost:8000/v1"))
        c.chat.completions.create(model=MODEL, messages=[])
        c.chat.completions.create(model=os.environ.get("CHAT_MODEL") or "gpt-4.1", messages=[])
        """,
        """
        import OpenAI from "openai";
        const MODEL = "gpt-4o";
        const c = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL ?? "http://localhost:8000/v1" });
        await c.chat.completions.create({ model: MODEL, messages: [] });
        await c.chat.completions.create({ model: process.env["CHAT_MODEL"] || "gpt-4.1", messages: [] });
        """,
        {  # the default of the URL variable is a local vLLM server
            urn("model", "model", "vllm", "gpt-4o"),
            urn("model", "model", "vllm", "gpt-4.1"),
            urn("endpoint", "model_endpoint", "http://localhost:8000/v1"),
        },
    ),
    (
        "chroma-host-is-no-model-endpoint",
        """
        import chromadb
        chromadb.HttpClient(host="http://chroma.example.com:8000")
        """,
        """
        import { ChromaClient } from "chromadb";
        new ChromaClient({ host: "http://chroma.example.com:8000" });
        """,
        {urn("code", "vector_store", "chroma")},
    ),
    (
        "qdrant-and-pinecone-hosts-are-no-model-endpoints",
        """
        from openai import OpenAI
        from pinecone import Pinecone
        from qdrant_client import QdrantClient
        QdrantClient(host="http://localhost:6333")
        Pinecone(api_key=key, host="https://idx.svc.pinecone.io")
        """,
        """
        import OpenAI from "openai";
        import { Pinecone } from "@pinecone-database/pinecone";
        import { QdrantClient } from "@qdrant/js-client-rest";
        new QdrantClient({ host: "http://localhost:6333" });
        new Pinecone({ apiKey: key, host: "https://idx.svc.pinecone.io" });
        """,
        {urn("code", "vector_store", "qdrant"), urn("code", "vector_store", "pinecone")},
    ),
    # a client pointed at a known provider's host: the endpoint and the models called through it
    # belong to the provider the traffic goes to, not to the SDK that speaks its API
    (
        "openai-client-at-openrouter",
        """
        from openai import OpenAI
        client = OpenAI(base_url="https://openrouter.ai/api/v1")
        client.chat.completions.create(model="deepseek/deepseek-chat-v3", messages=[])
        """,
        """
        import OpenAI from "openai";
        const client = new OpenAI({ baseURL: "https://openrouter.ai/api/v1" });
        await client.chat.completions.create({ model: "deepseek/deepseek-chat-v3", messages: [] });
        """,
        {
            urn("model", "model", "openrouter", "deepseek/deepseek-chat-v3"),
            urn("endpoint", "model_endpoint", "https://openrouter.ai/api/v1"),
        },
    ),
    (
        "client-kept-on-self-with-an-environment-default-url-at-groq",
        """
        import os
        from openai import OpenAI
        class Chat:
            def __init__(self):
                self.client = OpenAI(base_url=os.getenv("LLM_BASE_URL", "https://api.groq.com/openai/v1"))
            def ask(self, q):
                return self.client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[])
        """,
        """
        import OpenAI from "openai";
        class Chat {
          client = new OpenAI({ baseURL: process.env.LLM_BASE_URL ?? "https://api.groq.com/openai/v1" });
          ask(q: string) {
            return this.client.chat.completions.create({ model: "llama-3.3-70b-versatile", messages: [] });
          }
        }
        """,
        {
            urn("model", "model", "groq", "llama-3.3-70b-versatile"),
            urn("endpoint", "model_endpoint", "https://api.groq.com/openai/v1"),
        },
    ),
    (
        "anthropic-client-at-deepseek",
        """
        import anthropic
        URL = "https://api.deepseek.com/anthropic"
        anthropic.Anthropic(base_url=URL).messages.create(model="deepseek-chat", max_tokens=9, messages=[])
        """,
        """
        import Anthropic from "@anthropic-ai/sdk";
        const URL = "https://api.deepseek.com/anthropic";
        const claude = new Anthropic({ baseURL: URL });
        await claude.messages.create({ model: "deepseek-chat", max_tokens: 9, messages: [] });
        """,
        {
            urn("model", "model", "deepseek", "deepseek-chat"),
            urn("endpoint", "model_endpoint", "https://api.deepseek.com/anthropic"),
        },
    ),
    (
        "provider-factory-pointed-at-a-host",
        """
        from openai import OpenAI
        OpenAI(base_url="https://api.x.ai/v1").chat.completions.create(model="grok-3-mini", messages=[])
        """,
        """
        import { generateText } from "ai";
        import { createOpenAI } from "@ai-sdk/openai";
        const grok = createOpenAI({ baseURL: "https://api.x.ai/v1" });
        await generateText({ model: grok("grok-3-mini"), prompt: "hi" });
        """,
        {
            urn("model", "model", "xai", "grok-3-mini"),
            urn("endpoint", "model_endpoint", "https://api.x.ai/v1"),
        },
    ),
    (
        "langchain-client-at-azure",
        """
        from langchain_openai import ChatOpenAI
        ChatOpenAI(model="gpt-4o", base_url="https://contoso.openai.azure.com/openai/v1/")
        """,
        """
        import { ChatOpenAI } from "@langchain/openai";
        const baseURL = "https://contoso.openai.azure.com/openai/v1/";
        new ChatOpenAI({ model: "gpt-4o", configuration: { baseURL } });
        """,
        {
            urn("model", "model", "azure-openai", "gpt-4o"),
            urn("endpoint", "model_endpoint", "https://contoso.openai.azure.com/openai/v1"),
        },
    ),
    (
        "ollama-compose-service-at-its-port",
        """
        from openai import OpenAI
        OpenAI(base_url="http://ollama:11434/v1").chat.completions.create(model="qwen2.5:7b", messages=[])
        """,
        """
        import OpenAI from "openai";
        const local = new OpenAI({ baseURL: "http://ollama:11434/v1" });
        await local.chat.completions.create({ model: "qwen2.5:7b" });
        """,
        {
            urn("model", "model", "ollama", "qwen2.5:7b"),
            urn("endpoint", "model_endpoint", "http://ollama:11434/v1"),
        },
    ),
]


ONLY_IN_TYPESCRIPT = {
    "xai-through-the-vercel-ai-sdk": urn("code", "ai_framework", "vercel-ai-sdk"),
    "provider-factory-pointed-at-a-host": urn("code", "ai_framework", "vercel-ai-sdk"),
}
"""What one side needs and the other has no counterpart of."""


@pytest.mark.parametrize(("case", "python", "typescript", "expected"), CASES, ids=[c[0] for c in CASES])
def test_python_and_typescript_build_identical_assets(
    tmp_path: Path, case: str, python: str, typescript: str, expected: set[str]
) -> None:
    from_python = _ai_assets(tmp_path, "app.py", python)
    from_typescript = _ai_assets(tmp_path, "app.ts", typescript)
    if case in ONLY_IN_TYPESCRIPT:
        del from_typescript[ONLY_IN_TYPESCRIPT[case]]
    assert from_python == from_typescript
    assert expected <= set(from_python)


def _npm_package(names: tuple[str, ...]) -> str:
    return next(n for n in names if not n.endswith("/*"))


BOTH_LANGUAGES = [e for e in load_catalog().entries if e.python and e.npm]


@pytest.mark.parametrize("entry", BOTH_LANGUAGES, ids=[e.id for e in BOTH_LANGUAGES])
def test_every_catalog_entry_imported_from_either_language_is_one_asset(tmp_path: Path, entry: Any) -> None:
    python = "from agents import Agent\n" if entry.id == "openai-agents" else f"import {entry.python[0]}\n"
    typescript = f'import sdk from "{_npm_package(entry.npm)}";\n'
    from_python = _ai_assets(tmp_path, "app.py", python)
    from_typescript = _ai_assets(tmp_path, "app.ts", typescript)
    entry_id = urn("code", entry.kind, entry.id)
    assert from_python[entry_id] == from_typescript[entry_id]
    assert from_python[entry_id] == (
        entry.asset_kind,
        entry.name,
        entry.provider,
        {"catalog_id": entry.id, "category": entry.category, "vendor": entry.provider},
    )


def test_one_repository_in_two_languages_gives_one_node_each(tmp_path: Path) -> None:
    out = Inventory()
    python, typescript, _ = next((c[1], c[2], c[3]) for c in CASES if c[0] == "ollama")
    _analyze(tmp_path, "worker.py", python, out)
    _analyze(tmp_path, "web.ts", typescript, out)
    endpoint = out.get(urn("endpoint", "model_endpoint", "http://127.0.0.1:11434"))
    assert endpoint is not None and endpoint.provider == "ollama"
    assert len(list(out.of_kind(AssetKind.MODEL))) == 1
    assert len(list(out.of_kind(AssetKind.AI_SERVICE))) == 1
