"""PythonAnalyzer: catalog entries, models, endpoints, notable calls, model files, bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from source_files import REPO, run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile, UnreadableFile
from aispm.discover.code.catalog import load_catalog
from aispm.discover.code.python import PythonAnalyzer


def scan(root: Path, source: str, rel: str = "app.py") -> tuple[Inventory, SourceFile]:
    file = write_file(root, rel, textwrap.dedent(source))
    return run_analyzer(PythonAnalyzer(), file), file


def uses(out: Inventory, file: SourceFile) -> set[str]:
    return {str(out.get(r.target).properties["catalog_id"]) for r in out.outgoing(file.id, RelationKind.USES)}  # type: ignore[union-attr]


def models(out: Inventory) -> dict[tuple[str, str], dict[str, Any]]:
    return {(a.provider, a.name): dict(a.properties) for a in out.of_kind(AssetKind.MODEL)}


def calls(out: Inventory, file: SourceFile) -> list[dict[str, Any]]:
    asset = out.get(file.id)
    assert asset is not None
    return list(asset.properties["calls"])


def _import_line(prefix: str) -> str:
    return "from agents import Agent, Runner\n" if prefix == "agents" else f"import {prefix}\n"


PYTHON_ENTRIES = [(e.id, e.python[0]) for e in load_catalog().entries if e.python]


@pytest.mark.parametrize(("entry_id", "prefix"), PYTHON_ENTRIES, ids=[e for e, _ in PYTHON_ENTRIES])
def test_every_catalog_python_entry_is_found_by_its_import(
    tmp_path: Path, entry_id: str, prefix: str
) -> None:
    out, file = scan(tmp_path, _import_line(prefix))
    assert entry_id in uses(out, file)
    entry = load_catalog().by_id[entry_id]
    asset = out.get(urn("code", entry.kind, entry.id))
    assert asset is not None and asset.kind == entry.asset_kind
    assert asset.properties == {"catalog_id": entry.id, "category": entry.category, "vendor": entry.provider}
    edge = next(r for r in out.outgoing(file.id, RelationKind.USES) if r.target == asset.id)
    assert edge.properties["line"] == 1


def test_file_asset_and_repository_edge(tmp_path: Path) -> None:
    out, file = scan(tmp_path, "import anthropic\n", rel="src/bot.py")
    asset = out.get(file.id)
    assert asset is not None and asset.kind == AssetKind.SOURCE_FILE
    assert asset.properties["language"] == "python"
    assert asset.properties["calls"] == [] and asset.properties["llm_output_sinks"] == []
    assert any(r.target == file.id for r in out.outgoing(file.repo_id, RelationKind.CONTAINS))


def test_file_without_ai_creates_nothing(tmp_path: Path) -> None:
    out, _ = scan(
        tmp_path,
        """
        import os, subprocess, yaml
        subprocess.run(["ls"])
        data = yaml.load(open("c.yml"), Loader=yaml.SafeLoader)
        def f(model=None): return model
        f(model="gpt-4o")
        """,
    )
    assert len(out) == 0 and not out.relationships and not out.warnings


def test_aliases_and_from_imports_resolve(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        import openai as oa
        from langchain_openai import ChatOpenAI as C
        from anthropic import Anthropic

        oa.OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        llm = C(model="gpt-4o-mini")
        claude = Anthropic()
        claude.messages.create(model="claude-3-5-sonnet-latest", max_tokens=10, messages=[])
        """,
    )
    assert uses(out, file) >= {"openai", "anthropic"}
    found = models(out)
    assert ("openai", "gpt-4o") in found and ("openai", "gpt-4o-mini") in found
    assert ("anthropic", "claude-3-5-sonnet-latest") in found
    invoke = {r.target: r.properties for r in out.outgoing(file.id, RelationKind.INVOKES)}
    assert invoke[urn("model", "model", "openai", "gpt-4o")] == {
        "line": 6,
        "call": "openai.OpenAI.chat.completions.create",
    }


def test_relative_imports_are_ignored(tmp_path: Path) -> None:
    out, _ = scan(
        tmp_path, "from .openai import OpenAI\nfrom . import anthropic\nOpenAI().create(model='x')\n"
    )
    assert len(out) == 0


def test_agents_module_counts_only_with_sdk_names(tmp_path: Path) -> None:
    out, _ = scan(
        tmp_path, "import agents\nfrom agents import helpers\nagents.Agent(name='x', model='gpt-4o')\n"
    )
    assert len(out) == 0
    out, file = scan(tmp_path, "from agents.mcp import MCPServerStdio\n", rel="b.py")
    assert "openai-agents" in uses(out, file)


def test_python_calls_reveal_azure_and_bedrock(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        import openai
        import boto3

        az = openai.AzureOpenAI(azure_deployment="prod-gpt4", api_version="2024-06-01")
        a = boto3.client("bedrock-runtime")
        b = boto3.client(service_name="bedrock-agent-runtime")
        session = boto3.Session(profile_name="dev")
        c = session.client("bedrock-runtime")
        c.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
        a.invoke_model(modelId="amazon.titan-text-express-v1", body="{}")
        sm = boto3.client("sagemaker-runtime")
        s3 = boto3.client("s3")
        """,
    )
    assert uses(out, file) == {"openai", "azure-openai", "aws-bedrock", "aws-sagemaker"}
    found = models(out)
    assert ("azure-openai", "prod-gpt4") in found
    assert ("aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0") in found
    assert ("aws-bedrock", "amazon.titan-text-express-v1") in found


def test_models_of_many_sdks(tmp_path: Path) -> None:
    out, _ = scan(
        tmp_path,
        """
        import ollama
        import litellm
        import google.generativeai as genai
        from transformers import pipeline, AutoModel
        from sentence_transformers import SentenceTransformer

        ollama.chat(model="llama3.1:8b", messages=[])
        litellm.completion(model="anthropic/claude-3-5-sonnet-20240620", messages=[])
        litellm.completion(model="gpt-4o-mini", messages=[])
        genai.GenerativeModel("gemini-1.5-pro")
        pipe = pipeline("text-generation", model="gpt2")
        emb = SentenceTransformer("all-MiniLM-L6-v2")
        SHA = "5546055f03398095e385d7dc625e636cc8910bf2"
        m = AutoModel.from_pretrained("bert-base-uncased", revision=SHA)
        local = AutoModel.from_pretrained("./checkpoints/bert")
        """,
    )
    found = models(out)
    assert ("ollama", "llama3.1:8b") in found
    assert ("anthropic", "claude-3-5-sonnet-20240620") in found
    assert ("openai", "gpt-4o-mini") in found
    assert ("google", "gemini-1.5-pro") in found
    assert found[("huggingface", "gpt2")]["revision"] is None
    assert found[("huggingface", "all-MiniLM-L6-v2")]["revision"] is None
    assert (
        found[("huggingface", "bert-base-uncased")]["revision"] == "5546055f03398095e385d7dc625e636cc8910bf2"
    )
    assert not any("checkpoints" in name for _, name in found)
    assert "revision" not in found[("ollama", "llama3.1:8b")]


def test_constant_propagation_and_env_defaults(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        import os
        from openai import OpenAI

        MODEL = "gpt-4o"
        CHANGING = "gpt-3.5-turbo"
        CHANGING = "gpt-4"
        client = OpenAI()

        def ask(q):
            local_model = "o3-mini"
            client.chat.completions.create(model=MODEL, messages=[])
            client.chat.completions.create(model=local_model, messages=[])
            client.chat.completions.create(model=CHANGING, messages=[])
            client.chat.completions.create(model=os.getenv("CHAT_MODEL", "gpt-4.1"), messages=[])
            client.chat.completions.create(model=os.environ.get("NO_DEFAULT"), messages=[])
        """,
    )
    found = models(out)
    assert set(found) == {("openai", "gpt-4o"), ("openai", "o3-mini"), ("openai", "gpt-4.1")}
    # where a value comes from describes the use (the edge), not the shared model node
    assert all("from_env" not in props for props in found.values())
    edges = {r.target: r.properties for r in out.outgoing(file.id, RelationKind.INVOKES)}
    assert edges[urn("model", "model", "openai", "gpt-4.1")]["from_env"] == "CHAT_MODEL"
    assert "from_env" not in edges[urn("model", "model", "openai", "gpt-4o")]


def test_endpoints(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        import boto3, chromadb, ollama
        from openai import OpenAI, AzureOpenAI

        a = OpenAI(base_url="http://user:pw@127.0.0.1:8000/v1/?key=abc")
        b = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com/")
        c = ollama.Client(host="http://ollama.local:11434")
        d = boto3.client("bedrock-runtime", endpoint_url="https://10.1.2.3/bedrock")
        e = OpenAI(base_url="not a url")
        store = chromadb.HttpClient(host="http://chroma.example.com:8000")
        """,
    )
    endpoints = {a.name: dict(a.properties) for a in out.of_kind(AssetKind.MODEL_ENDPOINT)}
    assert set(endpoints) == {
        "http://127.0.0.1:8000/v1",
        "https://acme.openai.azure.com",
        "http://ollama.local:11434",
        "https://10.1.2.3/bedrock",
    }
    assert endpoints["http://127.0.0.1:8000/v1"] == {
        "url": "http://127.0.0.1:8000/v1",
        "host": "127.0.0.1",
        "scheme": "http",
        "local": True,
    }
    assert endpoints["https://acme.openai.azure.com"]["local"] is False
    assert endpoints["http://ollama.local:11434"]["local"] is True
    assert endpoints["https://10.1.2.3/bedrock"]["local"] is True
    targets = {r.target for r in out.outgoing(file.id, RelationKind.CONNECTS_TO)}
    assert urn("endpoint", "model_endpoint", "https://acme.openai.azure.com") in targets


def test_notable_calls_structure(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        import torch as t
        import pickle
        from yaml import load as yload
        import yaml
        from transformers import AutoModelForCausalLM
        from huggingface_hub import hf_hub_download

        REV = "main"
        path = "weights.pt"
        state = t.load(path, map_location="cpu")
        safe = t.load("w.pt", weights_only=True)
        obj = pickle.loads(blob)
        cfg = yload(open("c.yml"), Loader=yaml.FullLoader)
        m = AutoModelForCausalLM.from_pretrained("org/model", trust_remote_code=True, revision=REV, **extra)
        hf_hub_download("org/model", "model.bin", token="hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456")
        t.save(state, "out.pt")
        """,
    )
    recorded = {(c["function"], c["line"]): c for c in calls(out, file)}
    assert recorded[("torch.load", 11)] == {
        "function": "torch.load",
        "line": 11,
        "args": ["weights.pt"],
        "keywords": {"map_location": "cpu"},
    }
    assert recorded[("torch.load", 12)]["keywords"] == {"weights_only": True}
    assert recorded[("pickle.loads", 13)]["args"] == ["<blob>"]
    assert recorded[("yaml.load", 14)]["keywords"] == {"Loader": "<yaml.FullLoader>"}
    assert recorded[("yaml.load", 14)]["args"] == ["<open('c.yml')>"]
    pretrained = recorded[("transformers.AutoModelForCausalLM.from_pretrained", 15)]
    assert pretrained["keywords"] == {"trust_remote_code": True, "revision": "main", "**": "<extra>"}
    download = recorded[("huggingface_hub.hf_hub_download", 16)]
    assert download["keywords"]["token"] == "hf_…3456"
    assert "torch.save" not in {c["function"] for c in calls(out, file)}


def test_long_argument_source_is_truncated(tmp_path: Path) -> None:
    long_expr = " + ".join(f"part_{i}" for i in range(60))
    out, file = scan(tmp_path, f"import torch\ntorch.load({long_expr})\n")
    (arg,) = calls(out, file)[0]["args"]
    assert arg.startswith("<part_0 + ") and arg.endswith(">") and len(arg) == 122


def test_model_loader_call_alone_makes_file_ai(tmp_path: Path) -> None:
    out, file = scan(tmp_path, "import joblib\nclf = joblib.load(path)\n")
    assert out.get(file.id) is not None
    assert calls(out, file)[0]["function"] == "joblib.load"


def test_model_files_loaded_by_literal_path(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    for name in ("clf.joblib", "net.pt", "m.pkl"):
        (tmp_path / "models" / name).write_bytes(b"x")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "near.pkl").write_bytes(b"x")
    (tmp_path.parent / "outside.pt").write_bytes(b"x")
    out, file = scan(
        tmp_path,
        """
        import os, pickle, joblib, torch
        clf = joblib.load("models/clf.joblib")
        net = torch.load(os.path.join("models", "net.pt"), weights_only=True)
        with open("models/m.pkl", "rb") as fh:
            obj = pickle.load(fh)
        near = pickle.load(open("near.pkl", "rb"))
        gone = torch.load("models/missing.pt")
        out = torch.load("../outside.pt")
        """,
        rel="src/train.py",
    )
    loads = {r.target: r.properties for r in out.outgoing(file.id, RelationKind.LOADS)}

    def artifact(rel: str) -> str:
        return urn("code", "model_artifact", REPO, rel)

    assert set(loads) == {
        artifact("models/clf.joblib"),
        artifact("models/net.pt"),
        artifact("models/m.pkl"),
        artifact("src/near.pkl"),
    }
    assert loads[artifact("models/clf.joblib")] == {"line": 3, "call": "joblib.load"}
    assert not any(out.get(t) for t in loads)  # the model-file analyzer creates artifacts


def test_system_prompts(tmp_path: Path) -> None:
    out, file = scan(
        tmp_path,
        """
        from openai import OpenAI
        from anthropic import Anthropic
        from langchain_core.messages import SystemMessage
        from langchain_core.prompts import ChatPromptTemplate

        PERSONA = (
            "You are Ava, the support bot of {company}. "
            "Answer only about orders."
        )
        client = OpenAI()

        def ask(user, question):
            client.chat.completions.create(
                model="gpt-4o",
                messages=[
                    {"role": "system", "content": PERSONA},
                    {"role": "developer", "content": f"Current user: {user.name}. Be brief."},
                    {"role": "user", "content": "not a system prompt"},
                ],
            )
            Anthropic().messages.create(model="claude-3-opus-20240229", system="You are a poet.", messages=[])
            SystemMessage(content="You translate English to French.")
            ChatPromptTemplate.from_messages([("system", "Summarise {topic} in {n} words"), ("human", "{q}")])
            client.responses.create(model="gpt-4o", instructions="Reply in JSON only.", input=question)
        """,
    )
    prompts = {str(a.properties["excerpt"]): a for a in out.of_kind(AssetKind.PROMPT_TEMPLATE)}
    assert set(prompts) == {
        "You are Ava, the support bot of {company}. Answer only about orders.",
        "Current user: {user.name}. Be brief.",
        "You are a poet.",
        "You translate English to French.",
        "Summarise {topic} in {n} words",
        "Reply in JSON only.",
    }
    ava = prompts["You are Ava, the support bot of {company}. Answer only about orders."]
    assert ava.properties["role"] == "system"
    assert ava.properties["variables"] == ["company"]
    assert ava.properties["length"] == len(
        "You are Ava, the support bot of {company}. Answer only about orders."
    )
    assert prompts["Summarise {topic} in {n} words"].properties["variables"] == ["n", "topic"]
    assert all(
        any(r.target == p.id for r in out.outgoing(file.id, RelationKind.CONTAINS)) for p in prompts.values()
    )


def test_system_prompt_secrets_are_redacted(tmp_path: Path) -> None:
    pytest.importorskip("aispm.detect.secrets")
    key = (
        "sk-proj-"
        + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2rS5uX8"
        + "T3BlbkFJ"
        + "x7Gq2Lp9Rt4Vw8Yz1Bc5Df7Hj0Km3Np6Qs9"
    )
    out, _ = scan(
        tmp_path,
        f"""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o", messages=[
            {{"role": "system", "content": "Use the key {key} to call the billing API."}},
        ])
        """,
    )
    (prompt,) = out.of_kind(AssetKind.PROMPT_TEMPLATE)
    assert key not in str(prompt.to_json())
    assert prompt.properties["secret_types"] == ["openai_project_key"]
    assert "sk-proj-…" in str(prompt.properties["excerpt"])


def test_syntax_error_gives_a_warning_with_the_line(tmp_path: Path) -> None:
    out, _ = scan(tmp_path, "import openai\n\ndef broken(:\n    pass\n")
    (warning,) = out.warnings
    assert warning.source == "python" and warning.location is not None
    assert warning.location.path == "app.py" and warning.location.line == 3
    assert "cannot parse" in warning.message
    # what the file imports is still read from its import lines
    assert {a.kind for a in out.assets} == {AssetKind.SOURCE_FILE, AssetKind.AI_SERVICE}


@pytest.mark.parametrize(
    "source",
    ["x = " + "(" * 300 + ")" * 300, "x = " + "+".join(["1"] * 100_000), "x = a" + ".b" * 50_000],
    ids=["parentheses", "long-sum", "attribute-chain"],
)
def test_pathological_nesting_gives_a_warning(tmp_path: Path, source: str) -> None:
    out, _ = scan(tmp_path, "import openai\n" + source + "\n")
    assert len(out.warnings) == 1
    assert {a.kind for a in out.assets} <= {AssetKind.SOURCE_FILE, AssetKind.AI_SERVICE}


def test_files_without_ai_imports_are_not_analysed(tmp_path: Path) -> None:
    out, _ = scan(tmp_path, "import yaml\nimport subprocess\nyaml.load(s)\nsubprocess.run(c, shell=True)\n")
    assert len(out) == 0 and out.warnings == []
    out, _ = scan(tmp_path, "def f(:\n  pass\n")  # not AI-related: not even parsed
    assert out.warnings == []


def test_ai_import_inside_a_function_still_counts(tmp_path: Path) -> None:
    out, _ = scan(tmp_path, "def f():\n    import torch\n    return torch.load(p)\n")
    assert len(out) > 0


def test_binary_content_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "blob.py"
    path.write_bytes(b"import openai\x00\x01\x02")
    file = SourceFile(tmp_path, path, "blob.py", path.stat().st_size, REPO)
    with pytest.raises(UnreadableFile):
        PythonAnalyzer().analyze(file, Inventory())


def test_wants_only_python_sources(tmp_path: Path) -> None:
    analyzer = PythonAnalyzer()
    for name, wanted in (
        ("a.py", True),
        ("b.PYW", True),
        ("c.pyi", False),
        ("d.ipynb", False),
        ("e.txt", False),
    ):
        file = SourceFile(tmp_path, tmp_path / name, name, 0, REPO)
        assert analyzer.wants(file) is wanted
