"""The repository secrets analyzer on real files in a temporary repository."""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path

import pytest
from source_files import write_file as source

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile, UnreadableFile
from aispm.discover.code.secrets import SecretsAnalyzer

ALNUM = string.ascii_letters + string.digits
_rng = random.Random(7)


def rand(n: int) -> str:
    while True:
        value = "".join(_rng.choice(ALNUM) for _ in range(n))
        if not any(m in value.lower() for m in ("test", "fake", "your", "here", "xxxx", "mock", "todo")):
            return value


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    _rng.seed(request.node.nodeid)


def scan(files: list[SourceFile]) -> Inventory:
    analyzer = SecretsAnalyzer()
    out = Inventory()
    for file in files:
        if analyzer.wants(file):
            analyzer.analyze(file, out)
    return out


def secret_id(provider: str, value: str) -> str:
    return urn("secret", "secret", provider, hashlib.sha256(value.encode()).hexdigest()[:16])


def test_secret_asset_edge_and_file_asset(tmp_path: Path) -> None:
    key = f"sk-proj-{rand(80)}"
    app = source(tmp_path, "src/app.py", f'import openai\n\nOPENAI_API_KEY = "{key}"\n')
    out = scan([app])
    secret = out.get(secret_id("openai", key))
    assert secret is not None
    assert secret.kind is AssetKind.SECRET
    assert secret.provider == "openai"
    assert secret.name == f"OpenAI project API key (sk-proj-…{key[-4:]})"
    assert dict(secret.properties) == {
        "secret_type": "openai_project_key",
        "provider": "openai",
        "redacted": f"sk-proj-…{key[-4:]}",
        "variable": "OPENAI_API_KEY",
        "locations": [{"path": "src/app.py", "line": 3}],
        "detection": "pattern",
    }
    file_asset = out.get(app.id)
    assert file_asset is not None and file_asset.kind is AssetKind.SOURCE_FILE
    assert file_asset.properties["language"] == "python"
    edges = list(out.outgoing(app.id, RelationKind.CONTAINS))
    assert [(e.target, dict(e.properties)) for e in edges] == [(secret.id, {"line": 3})]
    assert [e.source for e in out.incoming(app.id, RelationKind.CONTAINS)] == [app.repo_id]


def test_same_key_in_two_files_is_one_asset_with_both_locations(tmp_path: Path) -> None:
    key = f"gsk_{rand(52)}"
    env = source(tmp_path, ".env", f"DEBUG=true\nGROQ_API_KEY={key}\n")
    docker = source(
        tmp_path, "deploy/Dockerfile", f"FROM python:3.12\nWORKDIR /app\nENV GROQ_API_KEY {key}\n"
    )
    out = scan([env, docker])
    secrets = list(out.of_kind(AssetKind.SECRET))
    assert len(secrets) == 1
    assert secrets[0].properties["locations"] == [
        {"path": ".env", "line": 2},
        {"path": "deploy/Dockerfile", "line": 3},
    ]
    assert out.get(env.id) is not None and out.get(env.id).properties["language"] == "dotenv"  # type: ignore[union-attr]
    assert out.get(docker.id).properties["language"] == "dockerfile"  # type: ignore[union-attr]
    assert {e.source for e in out.incoming(secrets[0].id, RelationKind.CONTAINS)} == {env.id, docker.id}


def test_notebook_secret_is_in_a_notebook_asset(tmp_path: Path) -> None:
    key = f"hf_{''.join(_rng.choice(string.ascii_letters) for _ in range(34))}"
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tuning\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["from huggingface_hub import login\n", f'login(token="{key}")\n'],
            },
        ],
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb = source(tmp_path, "notebooks/train.ipynb", json.dumps(notebook, indent=1))
    out = scan([nb])
    secret = out.get(secret_id("huggingface", key))
    assert secret is not None
    assert secret.properties["variable"] == "token"
    assert out.get(nb.id).kind is AssetKind.NOTEBOOK  # type: ignore[union-attr]


def test_clear_value_never_appears_in_any_output(tmp_path: Path) -> None:
    values = [f"sk-ant-api03-{rand(93)}AA", rand(40), f"AKIA{rand(16).upper()}", rand(32)]
    files = [
        source(tmp_path, "a.py", f'client = Anthropic(api_key="{values[0]}")\n'),
        source(tmp_path, "conf/app.yaml", f"cohere:\n  cohere_api_key: {values[1]}\n"),
        source(
            tmp_path, "settings.toml", f'aws_access_key_id = "{values[2]}"\nsigning_secret = "{values[3]}"\n'
        ),
    ]
    out = scan(files)
    assert len(list(out.of_kind(AssetKind.SECRET))) == 4
    dumped = json.dumps(
        [a.to_json() for a in out.assets]
        + [r.to_json() for r in out.relationships]
        + [w.to_json() for w in out.warnings]
    )
    everything = dumped + repr(out.assets) + repr(out.relationships)
    for value in values:
        assert value not in everything
        assert value[4:-4] not in everything


def test_lock_files_produce_nothing(tmp_path: Path) -> None:
    sha512 = "".join(_rng.choice(ALNUM + "+/") for _ in range(86)) + "=="
    sha256 = "".join(_rng.choice("0123456789abcdef") for _ in range(64))
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "node_modules/openai": {
                "version": "4.52.0",
                "resolved": "https://registry.npmjs.org/openai/-/openai-4.52.0.tgz",
                "integrity": f"sha512-{sha512}",
            }
        },
    }
    files = [
        source(tmp_path, "package-lock.json", json.dumps(lock, indent=2)),
        source(tmp_path, "poetry.lock", f'[[package]]\nname = "openai"\ncontent-hash = "{sha256}"\n'),
        source(
            tmp_path,
            "uv.lock",
            f'[[package]]\nname = "x"\nsdist = {{ hash = "sha256:{sha256}" }}\nsecret_token = "{rand(32)}"\n',
        ),
    ]
    out = scan(files)
    assert len(out) == 0
    assert out.relationships == []


def test_placeholder_env_example_produces_nothing(tmp_path: Path) -> None:
    env = source(
        tmp_path,
        ".env.example",
        "OPENAI_API_KEY=sk-...\nANTHROPIC_API_KEY=<your-key>\nHF_TOKEN=${HF_TOKEN}\nPASSWORD=changeme\n",
    )
    assert len(scan([env])) == 0


@pytest.mark.parametrize(
    ("rel", "content", "wanted"),
    [
        ("app.py", "x = 1\n", True),
        (".env", "A=1\n", True),
        (".env.production", "A=1\n", True),
        ("Dockerfile", "FROM x\n", True),
        ("docker/Dockerfile.prod", "FROM x\n", True),
        (".npmrc", "//registry.npmjs.org/:_authToken=x\n", True),
        (".pypirc", "[pypi]\n", True),
        ("infra/main.tf", 'variable "x" {}\n', True),
        ("notes", "plain text without a suffix\n", True),
        ("run.weird", "text with an unknown suffix\n", True),
        ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", False),
        ("model.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{}", False),
        ("weights.pt", b"PK\x03\x04\x00\x00", False),
        ("blob", b"\x00\x01\x02binary", False),
        ("empty", b"", False),
    ],
)
def test_wants_text_files_only(tmp_path: Path, rel: str, content: str | bytes, wanted: bool) -> None:
    assert SecretsAnalyzer().wants(source(tmp_path, rel, content)) is wanted


def test_binary_content_in_a_text_file_raises_unreadable(tmp_path: Path) -> None:
    file = source(tmp_path, "data.py", b"\x00\x01\x02 not really python")
    with pytest.raises(UnreadableFile):
        SecretsAnalyzer().analyze(file, Inventory())


def test_keyword_arguments_fallbacks_and_urls_become_assets(tmp_path: Path) -> None:
    hexkey = "sk-" + "".join(_rng.choice("0123456789abcdef") for _ in range(32))
    mistral = rand(40)
    router = "sk-or-v1-" + "".join(_rng.choice("0123456789abcdef") for _ in range(64))
    password = rand(14)
    files = [
        source(
            tmp_path,
            "app/llm.py",
            "from openai import OpenAI\nfrom mistralai import Mistral\n\n"
            f'client = OpenAI(api_key="{hexkey}", base_url=BASE_URL)\n'
            f'chat = Mistral(\n    api_key="{mistral}",\n)\n',
        ),
        source(
            tmp_path,
            "web/client.ts",
            "export const client = new OpenAI({\n"
            f"  apiKey: process.env.OPENROUTER_API_KEY || '{router}',\n}});\n",
        ),
        source(
            tmp_path,
            "settings.py",
            f'DATABASE_URL = "postgresql://app:{password}@db.acme-corp.io:5432/app"\n',
        ),
        source(
            tmp_path,
            "docker-compose.yml",
            "services:\n  api:\n    environment:\n"
            "      DATABASE_URL: postgresql+psycopg://postgres:postgres@db:5432/app\n"
            "      VECTOR_URL: postgresql://langchain:langchain@pgvector:5432/langchain\n",
        ),
    ]
    out = scan(files)
    found = {
        (s.properties["secret_type"], s.properties["variable"], s.properties["locations"][0]["path"])  # type: ignore[index]
        for s in out.of_kind(AssetKind.SECRET)
    }
    assert found == {
        ("sk_hex_api_key", "api_key", "app/llm.py"),
        ("mistral_api_key", "api_key", "app/llm.py"),
        ("openrouter_api_key", "apiKey", "web/client.ts"),
        ("url_credentials", "DATABASE_URL", "settings.py"),
    }
    dumped = json.dumps([a.to_json() for a in out.assets])
    for value in (hexkey, mistral, router, password):
        assert value not in dumped
