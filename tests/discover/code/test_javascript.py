from __future__ import annotations

import json
from pathlib import Path

from source_files import run_analyzer
from source_files import write_file as _file

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.discover.code.javascript import JavaScriptAnalyzer
from aispm.discover.code.model_names import provider_for_model_name


def _run(file: SourceFile) -> Inventory:
    return run_analyzer(JavaScriptAnalyzer(), file)


def _used(out: Inventory, file: SourceFile) -> dict[str, dict[str, object]]:
    return {r.target: dict(r.properties) for r in out.outgoing(file.id, RelationKind.USES)}


def test_package_json_dependencies_map_to_catalog(tmp_path: Path) -> None:
    doc = {
        "name": "app",
        "description": "openai",
        "dependencies": {"openai": "^4.0.0", "express": "4.18.0"},
        "devDependencies": {"@langchain/community": "0.3.0"},
        "peerDependencies": {"@modelcontextprotocol/server-filesystem": "1.0.0"},
        "optionalDependencies": {"chromadb": "1.0.0"},
    }
    file = _file(tmp_path, "package.json", json.dumps(doc, indent=2))
    out = _run(file)
    used = _used(out, file)
    assert set(used) == {
        urn("code", "ai_service", "openai"),
        urn("code", "ai_framework", "langchain"),
        urn("code", "ai_framework", "mcp"),
        urn("code", "vector_store", "chroma"),
    }
    assert used[urn("code", "ai_service", "openai")] == {"line": 5, "package": "openai"}
    openai = out.get(urn("code", "ai_service", "openai"))
    assert openai is not None and openai.kind is AssetKind.AI_SERVICE
    assert openai.properties == {"catalog_id": "openai", "category": "llm_provider", "vendor": "openai"}
    src = out.get(file.id)
    assert src is not None and src.properties["language"] == "json"
    assert any(r.source == file.repo_id for r in out.incoming(file.id, RelationKind.CONTAINS))


def test_package_json_without_ai_adds_nothing(tmp_path: Path) -> None:
    file = _file(tmp_path, "package.json", json.dumps({"dependencies": {"react": "18.0.0"}}))
    out = _run(file)
    assert len(out) == 0 and not out.warnings


def test_malformed_package_json_warns(tmp_path: Path) -> None:
    file = _file(tmp_path, "package.json", '{"dependencies": {"openai": ')
    out = _run(file)
    assert len(out) == 0
    assert [w.source for w in out.warnings] == ["javascript"]
    assert "malformed" in out.warnings[0].message


def test_import_forms_are_found(tmp_path: Path) -> None:
    source = """\
import OpenAI from "openai";
import { Anthropic } from '@anthropic-ai/sdk';
import "@pinecone-database/pinecone";
export { ChatGroq } from "@langchain/groq";
const cohere = require("cohere-ai");
const ollama = await import(`ollama`);
import type { Foo } from "express";
"""
    file = _file(tmp_path, "src/app.mjs", source)
    out = _run(file)
    used = _used(out, file)
    assert used[urn("code", "ai_service", "openai")] == {"line": 1, "package": "openai"}
    assert used[urn("code", "ai_service", "anthropic")]["line"] == 2
    assert used[urn("code", "vector_store", "pinecone")]["line"] == 3
    assert used[urn("code", "ai_service", "groq")]["line"] == 4
    assert used[urn("code", "ai_service", "cohere")]["line"] == 5
    assert used[urn("code", "ai_service", "ollama")]["line"] == 6
    assert len(used) == 6
    src = out.get(file.id)
    assert src is not None and src.properties["language"] == "javascript"


def test_imports_in_comments_strings_and_templates_are_not_counted(tmp_path: Path) -> None:
    source = """\
// import OpenAI from "openai";
/* const c = require("cohere-ai"); */
const doc = "import { Anthropic } from '@anthropic-ai/sdk'";
const tpl = `require("groq-sdk") ${x} import("ollama")`;
const re = /require\\("replicate"\\)/;
export const fine = 1;
"""
    file = _file(tmp_path, "src/decoy.ts", source)
    out = _run(file)
    assert len(out) == 0 and not out.warnings


def test_typescript_import_require_and_tsx(tmp_path: Path) -> None:
    ts = _file(tmp_path, "a.cts", 'import groq = require("groq-sdk");\nconst n: number = 1;\n')
    assert urn("code", "ai_service", "groq") in _used(_run(ts), ts)
    tsx = _file(
        tmp_path,
        "ui/Chat.tsx",
        'import { useChat } from "ai/react";\nexport const C = () => <div title="x">{"openai"}</div>;\n',
    )
    out = _run(tsx)
    assert set(_used(out, tsx)) == {urn("code", "ai_framework", "vercel-ai-sdk")}
    src = out.get(tsx.id)
    assert src is not None and src.properties["language"] == "typescript"


def test_models_and_endpoints_in_call_arguments(tmp_path: Path) -> None:
    source = """\
import OpenAI from "openai";
const client = new OpenAI({ baseURL: "http://localhost:8080/v1/", apiKey: key });
const r = await client.chat.completions.create({
  model: "gpt-4o",
  messages: [{ role: "user", content: "hi" }],
});
const settings = { model: "gpt-3.5-turbo" };
"""
    file = _file(tmp_path, "chat.js", source)
    out = _run(file)
    model_id = urn("model", "model", "openai", "gpt-4o")
    model = out.get(model_id)
    assert model is not None and model.kind is AssetKind.MODEL
    assert model.properties == {"provider": "openai", "model": "gpt-4o"}
    invoked = {r.target: r.properties for r in out.outgoing(file.id, RelationKind.INVOKES)}
    assert invoked == {model_id: {"line": 4}}  # the literal not passed to a call is ignored
    endpoint_id = urn("endpoint", "model_endpoint", "http://localhost:8080/v1")
    endpoint = out.get(endpoint_id)
    assert endpoint is not None and endpoint.kind is AssetKind.MODEL_ENDPOINT
    assert endpoint.provider == "openai"  # an unknown server: the SDK whose client is pointed at it
    assert endpoint.properties == {
        "url": "http://localhost:8080/v1",
        "host": "localhost",
        "scheme": "http",
        "local": True,
    }
    assert [r.target for r in out.outgoing(file.id, RelationKind.CONNECTS_TO)] == [endpoint_id]


def test_provider_picked_by_model_name_when_several_sdks(tmp_path: Path) -> None:
    source = """\
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
a.messages.create({ model: 'claude-3-5-sonnet-latest', max_tokens: 10 });
o.responses.create({ "model": "o3-mini" });
b.send(new InvokeModelCommand({ modelId: "anthropic.claude-3-haiku-20240307-v1:0" }));
x.create({ model: "mystery-model" });
"""
    file = _file(tmp_path, "multi.ts", source)
    out = _run(file)
    targets = {r.target for r in out.outgoing(file.id, RelationKind.INVOKES)}
    assert targets == {
        urn("model", "model", "anthropic", "claude-3-5-sonnet-latest"),
        urn("model", "model", "openai", "o3-mini"),
        urn("model", "model", "aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0"),
        urn("model", "model", "unknown", "mystery-model"),
    }


def test_vercel_provider_factory(tmp_path: Path) -> None:
    source = """\
import { generateText } from "ai";
import { anthropic } from "@ai-sdk/anthropic";
await generateText({ model: anthropic("claude-3-haiku-20240307"), prompt: p });
"""
    file = _file(tmp_path, "gen.ts", source)
    out = _run(file)
    targets = [r.target for r in out.outgoing(file.id, RelationKind.INVOKES)]
    assert targets == [urn("model", "model", "anthropic", "claude-3-haiku-20240307")]


def test_models_need_an_ai_sdk_in_the_file(tmp_path: Path) -> None:
    source = (
        'import mongoose from "mongoose";\nq.populate({ model: "User", endpoint: "https://api.x.com" });\n'
    )
    file = _file(tmp_path, "db.js", source)
    out = _run(file)
    assert len(out) == 0


def test_minified_file_is_skipped_with_warning(tmp_path: Path) -> None:
    line = 'import OpenAI from "openai";' + "var a=1;" * 1000
    file = _file(tmp_path, "dist/bundle.min.js", line + "\n")
    out = _run(file)
    assert len(out) == 0
    assert len(out.warnings) == 1 and "minified" in out.warnings[0].message
    assert out.warnings[0].location is not None and out.warnings[0].location.path == "dist/bundle.min.js"


def test_broken_syntax_still_yields_imports_without_crash(tmp_path: Path) -> None:
    file = _file(tmp_path, "broken.js", 'import OpenAI from "openai";\nfunction ( {{{ ]]] \n\x01\x02')
    out = _run(file)
    assert urn("code", "ai_service", "openai") in _used(out, file)


def test_deeply_nested_source_does_not_crash(tmp_path: Path) -> None:
    file = _file(tmp_path, "deep.js", 'require("openai");\n' + "[\n" * 3000 + "]\n" * 3000)
    out = _run(file)
    assert urn("code", "ai_service", "openai") in _used(out, file)
    assert not out.warnings


def test_wants_only_js_files(tmp_path: Path) -> None:
    analyzer = JavaScriptAnalyzer()
    assert not analyzer.wants(_file(tmp_path, "a.py", "import openai\n"))
    assert not analyzer.wants(_file(tmp_path, "package-lock.json", "{}"))


def test_helpers() -> None:
    assert provider_for_model_name("gemini-1.5-pro") == "google"
    assert provider_for_model_name("mixtral-8x7b") == "mistral"
    assert provider_for_model_name("meta.llama3-8b-instruct-v1:0") == "aws-bedrock"
    assert provider_for_model_name("llama3") is None
    normal = normalise_endpoint("https://user:pw@API.example.com:8443/v1/?key=secret#x")
    assert normal is not None
    assert normal[0] == "https://api.example.com:8443/v1"
    assert normal[1]["local"] is False
    assert normalise_endpoint("file:///etc/passwd") is None
    assert normalise_endpoint("not a url") is None
    private = normalise_endpoint("http://10.0.0.5:8000")
    assert private is not None and private[1]["local"] is True


def test_calls_are_resolved_to_the_sdk_their_object_comes_from(tmp_path: Path) -> None:
    source = """\
import express from "express";
import { AzureOpenAI } from "openai";
import * as store from "./store";
const app = express();
let client = null;
client = new AzureOpenAI({ endpoint: "https://acme.openai.azure.com/", deployment: "prod-gpt4" });
app.post("/chat", { model: "not-a-model", endpoint: "https://example.com/api" });
store.open({ model: "gpt-4o-mini" });
"""
    file = _file(tmp_path, "server.ts", source)
    out = _run(file)
    used = _used(out, file)
    assert used[urn("code", "ai_service", "azure-openai")] == {"line": 2, "package": "openai"}
    assert urn("code", "ai_service", "openai") in used
    models = {a.id for a in out.of_kind(AssetKind.MODEL)}
    assert models == {
        urn("model", "model", "azure-openai", "prod-gpt4"),
        urn("model", "model", "openai", "gpt-4o-mini"),  # a project module: told by the name
    }
    endpoints = list(out.of_kind(AssetKind.MODEL_ENDPOINT))
    assert [(e.name, e.provider) for e in endpoints] == [("https://acme.openai.azure.com", "azure-openai")]


def test_self_referencing_names_and_long_chains_do_not_crash(tmp_path: Path) -> None:
    chain = "client" + ".x" * 2000
    source = f"""\
import OpenAI from "openai";
let a = b.c;
let b = a.d;
let client = client.next;
{chain}.create({{ model: "gpt-4o" }});
a.create({{ model: "o3-mini" }});
"""
    file = _file(tmp_path, "odd.js", source)
    out = _run(file)
    assert {a.name for a in out.of_kind(AssetKind.MODEL)} == {"gpt-4o", "o3-mini"}  # unresolved: fallback
    assert not out.warnings
