"""Generate a deterministic synthetic repository with planted (fake) AI keys for benchmarks.

The tree looks like a large monorepo: Python services (most plain, some calling AI SDKs),
notebooks, JavaScript/TypeScript, YAML/JSON configs, ``.env`` files, Dockerfiles, Markdown,
requirements files and a few small model files. A fraction of the files carry exactly one planted
fake AI-provider key each; another fraction carry decoys (placeholders, hashes, UUIDs) that a good
scanner should not report. Everything planted is listed in ``ground_truth.json`` at the tree's
root, with the 1-based line of the raw file where the value sits.

All keys are random characters in the shape of real provider keys; none was ever valid.

Usage::

    python bench/gen_repo.py OUT_DIR [--files 20000] [--seed 1337]
"""

from __future__ import annotations

import argparse
import json
import pickle
import string
import struct
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from random import Random

GROUND_TRUTH = "ground_truth.json"
FORMAT_VERSION = 1

ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"

# ---------------------------------------------------------------------------------------------
# Providers and key shapes (public formats of each provider's keys)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """One kind of AI key: how to make a value and which variable names hold it."""

    name: str
    """Provider name as recorded in the ground truth."""
    key_type: str
    """Finer key type (``openai_project`` ...)."""
    make: Callable[[Random], str]
    variables: tuple[str, ...]
    """Conventional variable names."""
    prefixed: bool
    """True when the value alone identifies the provider; False when only the variable name does."""
    sdk_class: str | None = None
    """``Class(api_key=...)`` constructor usable as a Python carrier, when the value is prefixed."""


def _rand(rng: Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "openai",
        "openai_project",
        lambda r: "sk-proj-" + _rand(r, 74, B64URL) + "T3BlbkFJ" + _rand(r, 74, B64URL),
        ("OPENAI_API_KEY",),
        True,
        "OpenAI",
    ),
    Provider(
        "openai",
        "openai_legacy",
        lambda r: "sk-" + _rand(r, 20) + "T3BlbkFJ" + _rand(r, 20),
        ("OPENAI_API_KEY", "OPENAI_KEY"),
        True,
        "OpenAI",
    ),
    Provider(
        "openai",
        "openai_service_account",
        lambda r: "sk-svcacct-" + _rand(r, 74, B64URL) + "T3BlbkFJ" + _rand(r, 74, B64URL),
        ("OPENAI_API_KEY",),
        True,
        "OpenAI",
    ),
    Provider(
        "anthropic",
        "anthropic_api",
        lambda r: "sk-ant-api03-" + _rand(r, 93, B64URL) + "AA",
        ("ANTHROPIC_API_KEY", "CLAUDE_API_KEY"),
        True,
        "Anthropic",
    ),
    Provider(
        "anthropic",
        "anthropic_admin",
        lambda r: "sk-ant-admin01-" + _rand(r, 93, B64URL) + "AA",
        ("ANTHROPIC_ADMIN_KEY",),
        True,
        None,
    ),
    Provider(
        "huggingface",
        "huggingface_token",
        lambda r: "hf_" + _rand(r, 34, string.ascii_letters),
        ("HF_TOKEN", "HUGGINGFACE_HUB_TOKEN", "HUGGING_FACE_HUB_TOKEN"),
        True,
        None,
    ),
    Provider(
        "google",
        "google_ai",
        lambda r: "AIza" + _rand(r, 35, B64URL),
        ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
        True,
        None,
    ),
    Provider("groq", "groq", lambda r: "gsk_" + _rand(r, 52), ("GROQ_API_KEY",), True, "Groq"),
    Provider("replicate", "replicate", lambda r: "r8_" + _rand(r, 37), ("REPLICATE_API_TOKEN",), True, None),
    Provider("xai", "xai", lambda r: "xai-" + _rand(r, 80), ("XAI_API_KEY", "GROK_API_KEY"), True, None),
    Provider("perplexity", "perplexity", lambda r: "pplx-" + _rand(r, 48), ("PERPLEXITY_API_KEY",), True),
    Provider(
        "openrouter", "openrouter", lambda r: "sk-or-v1-" + _rand(r, 64, HEX), ("OPENROUTER_API_KEY",), True
    ),
    Provider(
        "langsmith",
        "langsmith",
        lambda r: "lsv2_pt_" + _rand(r, 32, HEX) + "_" + _rand(r, 10, HEX),
        ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"),
        True,
    ),
    Provider("nvidia", "nvidia", lambda r: "nvapi-" + _rand(r, 64, B64URL), ("NVIDIA_API_KEY",), True),
    # Keys without a distinctive prefix: only the variable name tells the provider.
    Provider("cohere", "cohere", lambda r: _rand(r, 40), ("COHERE_API_KEY", "CO_API_KEY"), False),
    Provider("mistral", "mistral", lambda r: _rand(r, 32), ("MISTRAL_API_KEY",), False),
    Provider("together", "together", lambda r: _rand(r, 64, HEX), ("TOGETHER_API_KEY",), False),
    Provider("deepseek", "deepseek", lambda r: "sk-" + _rand(r, 32, HEX), ("DEEPSEEK_API_KEY",), False),
)

# ---------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------


@dataclass
class PlantedKey:
    """One planted fake key."""

    path: str
    line: int
    provider: str
    key_type: str
    carrier: str
    """How it is written (``env``, ``py_assign``, ``py_sdk``, ``yaml`` ...)."""


@dataclass
class Decoy:
    """One planted non-secret that looks a bit like one."""

    path: str
    line: int
    kind: str
    """``placeholder``, ``env_reference``, ``hash``, ``uuid``, ``masked``."""


@dataclass
class Manifest:
    """What the generator wrote."""

    seed: int
    files: int
    format_version: int = FORMAT_VERSION
    keys: list[PlantedKey] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)
    bytes_total: int = 0

    def to_json(self) -> dict[str, object]:
        """Serialisable form."""
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Plain content
# ---------------------------------------------------------------------------------------------


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _split(
    "account order invoice ticket user session cache queue report metric payment customer product "
    "shipment refund profile label config event record batch job worker schedule audit stock price "
    "inventory address region tenant billing upload download search index feature flag rule policy"
)
VERBS = _split("get load build parse render update sync fetch compute validate merge apply store send")
STDLIB = ("os", "sys", "json", "logging", "pathlib", "datetime", "typing", "collections", "itertools")
SERVICES = (
    "billing",
    "catalog",
    "checkout",
    "identity",
    "search",
    "notifications",
    "analytics",
    "support",
    "ml-platform",
    "recommendations",
    "data-pipeline",
    "gateway",
)


def _ident(rng: Random, parts: int = 2) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def _sentence(rng: Random, n: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text.capitalize() + "."


def _py_function(rng: Random) -> list[str]:
    name = f"{rng.choice(VERBS)}_{_ident(rng)}"
    args = [_ident(rng, 1) for _ in range(rng.randint(1, 3))]
    args = list(dict.fromkeys(args))
    lines = [f"def {name}({', '.join(args)}):", f'    """{_sentence(rng, 8)}"""', "    result = {}"]
    for _ in range(rng.randint(3, 12)):
        var = _ident(rng, 1)
        choice = rng.random()
        if choice < 0.3:
            lines.append(f"    {var} = {rng.choice(args)}.get({_ident(rng, 1)!r}, {rng.randint(0, 99)})")
        elif choice < 0.5:
            lines.append(f"    for item in {rng.choice(args)}:")
            lines.append(f"        result[item] = {var!r}")
        elif choice < 0.7:
            lines.append(f"    if {rng.choice(args)} is None:")
            lines.append(f"        logger.debug({_sentence(rng, 5)!r})")
        else:
            lines.append(f"    result[{var!r}] = len(str({rng.choice(args)})) * {rng.randint(1, 9)}")
    lines.append("    return result")
    return [*lines, "", ""]


AI_PY_SNIPPETS: tuple[tuple[str, list[str]], ...] = (
    (
        "from openai import OpenAI",
        [
            "client = OpenAI()",
            "",
            "",
            "def ask(prompt):",
            '    """Ask the assistant."""',
            "    response = client.chat.completions.create(",
            '        model="gpt-4o-mini",',
            '        messages=[{"role": "system", "content": "You are a helpful assistant."},',
            '                  {"role": "user", "content": prompt}],',
            "    )",
            "    return response.choices[0].message.content",
        ],
    ),
    (
        "import anthropic",
        [
            "client = anthropic.Anthropic()",
            "",
            "",
            "def review(text):",
            '    """Review a text."""',
            "    message = client.messages.create(",
            '        model="claude-3-5-sonnet-20241022", max_tokens=512,',
            '        system="You review text for clarity.",',
            '        messages=[{"role": "user", "content": text}],',
            "    )",
            "    return message.content[0].text",
        ],
    ),
    (
        "import torch",
        [
            "",
            "def load_checkpoint(path):",
            '    """Load weights."""',
            '    return torch.load(path, map_location="cpu")',
        ],
    ),
    (
        "from transformers import AutoModel, AutoTokenizer",
        [
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
            'model = AutoModel.from_pretrained("bert-base-uncased")',
        ],
    ),
    (
        "from langchain_openai import ChatOpenAI",
        ['llm = ChatOpenAI(model="gpt-4o", temperature=0)'],
    ),
    (
        "import boto3",
        [
            'bedrock = boto3.client("bedrock-runtime")',
            "",
            "",
            "def invoke(body):",
            '    """Invoke a Bedrock model."""',
            '    return bedrock.invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0", body=body)',
        ],
    ),
    ("import chromadb", ['store = chromadb.PersistentClient(path=".chroma")']),
)


def python_file(rng: Random, ai: bool) -> list[str]:
    """A Python module; ``ai`` adds an AI SDK import and call."""
    imports = sorted({"os", *rng.sample(STDLIB, rng.randint(2, 4))})
    lines = [f'"""{_sentence(rng, 10)}"""', "", *[f"import {m}" for m in imports]]
    body: list[str] = []
    if ai:
        imp, snippet = rng.choice(AI_PY_SNIPPETS)
        lines.append(imp)
        body = [*snippet, "", ""]
    lines += ["", "logger = logging.getLogger(__name__)" if "logging" in imports else "logger = None", "", ""]
    lines += body
    for _ in range(rng.randint(2, 8)):
        lines += _py_function(rng)
    return lines


def js_file(rng: Random, ai: bool, ts: bool) -> list[str]:
    """A JavaScript or TypeScript module."""
    lines = ['import { readFile } from "node:fs/promises";']
    if ai:
        lines += [
            'import OpenAI from "openai";',
            "",
            'const openai = new OpenAI({ baseURL: "https://api.openai.com/v1" });',
            "",
            "export async function complete(prompt" + (": string" if ts else "") + ") {",
            "  const res = await openai.chat.completions.create({",
            '    model: "gpt-4o-mini",',
            '    messages: [{ role: "user", content: prompt }],',
            "  });",
            "  return res.choices[0].message.content;",
            "}",
        ]
    for _ in range(rng.randint(2, 7)):
        name = f"{rng.choice(VERBS)}{rng.choice(WORDS).capitalize()}"
        arg = rng.choice(WORDS)
        lines += [
            "",
            f"export function {name}({arg}{': any' if ts else ''}) {{",
            f"  // {_sentence(rng, 7)}",
            f"  const out = {{ {rng.choice(WORDS)}: {arg}, count: {rng.randint(0, 50)} }};",
            f"  if (!{arg}) return null;",
            "  return out;",
            "}",
        ]
    return lines


def yaml_file(rng: Random) -> list[str]:
    """A service configuration in YAML."""
    lines = [f"# {_sentence(rng, 6)}", "service:", f"  name: {rng.choice(SERVICES)}", "  replicas: 2"]
    for _ in range(rng.randint(3, 10)):
        lines.append(f"{_ident(rng, 1)}_{rng.randint(1, 99)}:")
        for _ in range(rng.randint(1, 4)):
            value = rng.choice([rng.randint(0, 1000), rng.choice(WORDS), "true"])
            lines.append(f"  {_ident(rng, 1)}: {value}")
    return lines


def json_lines(rng: Random) -> list[str]:
    """A JSON settings file."""
    data = {
        _ident(rng, 1) + str(i): {_ident(rng, 1): rng.randint(0, 999), "enabled": rng.random() < 0.5}
        for i in range(rng.randint(3, 12))
    }
    return json.dumps(data, indent=2).splitlines()


def markdown_file(rng: Random) -> list[str]:
    """A documentation page."""
    lines = [f"# {rng.choice(SERVICES).title()} {rng.choice(WORDS)}", ""]
    for _ in range(rng.randint(2, 6)):
        lines += [f"## {rng.choice(WORDS).title()}", "", _sentence(rng, 25), _sentence(rng, 18), ""]
    return lines


def env_file(rng: Random) -> list[str]:
    """A ``.env`` with ordinary settings."""
    return [
        f"# {rng.choice(SERVICES)} local settings",
        f"PORT={rng.randint(3000, 9000)}",
        "LOG_LEVEL=info",
        f"DATABASE_URL=postgresql://app@localhost:5432/{rng.choice(WORDS)}",
        f"FEATURE_{rng.choice(WORDS).upper()}=true",
    ]


def dockerfile(rng: Random) -> list[str]:
    """A Dockerfile."""
    return [
        f"FROM python:3.{rng.randint(9, 12)}-slim",
        "WORKDIR /app",
        "COPY requirements.txt .",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "COPY . .",
        f"ENV SERVICE_NAME={rng.choice(SERVICES)}",
        f'CMD ["python", "-m", "{rng.choice(WORDS)}"]',
    ]


REQUIREMENTS = (
    "requests==2.31.0",
    "fastapi==0.110.0",
    "pydantic==2.6.4",
    "openai==1.30.1",
    "anthropic==0.25.0",
    "torch==2.2.2",
    "transformers==4.40.0",
    "langchain==0.1.16",
    "numpy==1.26.4",
    "pandas==2.2.1",
    "scikit-learn==1.4.1",
    "sentence-transformers",
)


def requirements_file(rng: Random) -> list[str]:
    """A requirements file."""
    return sorted(rng.sample(REQUIREMENTS, rng.randint(3, 8)))


def notebook_cells(rng: Random) -> list[list[str]]:
    """Source lines of a notebook's code cells."""
    cells = [["import pandas as pd", "import numpy as np"]]
    if rng.random() < 0.5:
        cells.append(["from sklearn.linear_model import LogisticRegression", "clf = LogisticRegression()"])
    for _ in range(rng.randint(2, 5)):
        cells.append([f"{_ident(rng, 1)} = pd.read_csv({rng.choice(WORDS) + '.csv'!r})", "df.head()"])
    return cells


def render_notebook(cells: list[list[str]]) -> str:
    """A valid nbformat 4 notebook with the given code cells."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i:07d}",
                "metadata": {},
                "outputs": [],
                "source": [line + "\n" for line in src[:-1]] + src[-1:],
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1) + "\n"


# ---------------------------------------------------------------------------------------------
# Carriers of keys and decoys, per file type
# ---------------------------------------------------------------------------------------------


def key_line(rng: Random, ftype: str, provider: Provider, value: str) -> tuple[str, str]:
    """The line that holds a key in a file of ``ftype`` and the carrier's name."""
    var = rng.choice(provider.variables)
    if ftype == "py":
        if provider.prefixed and provider.sdk_class and rng.random() < 0.4:
            return f'client = {provider.sdk_class}(api_key="{value}")', "py_sdk"
        if rng.random() < 0.3:
            return f'os.environ.setdefault("{var}", "{value}")', "py_environ"
        return f'{var} = "{value}"', "py_assign"
    if ftype in ("js", "ts"):
        return f'const {var} = "{value}";', "js_const"
    if ftype == "yaml":
        return f'  {var}: "{value}"', "yaml"
    if ftype == "json":
        return f'  "{var}": "{value}",', "json"
    if ftype == "env":
        return f"{var}={value}", "env"
    if ftype == "dockerfile":
        return f"ENV {var}={value}", "dockerfile"
    if ftype == "md":
        return f"export {var}={value}", "markdown"
    if ftype == "ipynb":
        return f'os.environ["{var}"] = "{value}"', "notebook"
    raise ValueError(ftype)


def decoy_line(rng: Random, ftype: str) -> tuple[str, str]:
    """A non-secret line in the style of ``ftype`` and its decoy kind."""
    provider = rng.choice(PROVIDERS)
    var = provider.variables[0]
    kind = rng.choice(("placeholder", "env_reference", "hash", "uuid", "masked"))
    if kind == "placeholder":
        value = rng.choice(
            (
                "sk-your-key-here",
                f"<your-{provider.name}-api-key>",
                "changeme",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                f"your_{provider.name}_api_key",
                "REPLACE_ME",
            )
        )
    elif kind == "env_reference":
        value = f"${{{var}}}"
    elif kind == "hash":
        value = _rand(rng, rng.choice((40, 64)), HEX)
        var = rng.choice(("CHECKSUM", "COMMIT_SHA", "sha256", "content_hash", "etag"))
    elif kind == "uuid":
        value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        var = rng.choice(("REQUEST_ID", "tenant_id", "trace_id", "correlation_id"))
    else:  # masked: how docs show a key
        value = rng.choice(("sk-proj-...", "sk-ant-...XXXX", "hf_****", "gsk_..."))
    if ftype == "py":
        if kind == "env_reference":
            return f'{var} = os.environ["{var}"]', kind
        return f'{var} = "{value}"', kind
    if ftype in ("js", "ts"):
        if kind == "env_reference":
            return f"const {var} = process.env.{var};", kind
        return f'const {var} = "{value}";', kind
    if ftype == "yaml":
        return f'  {var}: "{value}"', kind
    if ftype == "json":
        return f'  "{var}": "{value}",', kind
    if ftype == "dockerfile":
        return f"ENV {var}={value}", kind
    if ftype == "md":
        return f"export {var}={value}", kind
    if ftype == "ipynb":
        return f'{var} = "{value}"', kind
    return f"{var}={value}", kind


# ---------------------------------------------------------------------------------------------
# Model files (headers of real formats, tiny payloads; the pickle holds plain data only)
# ---------------------------------------------------------------------------------------------


def model_file(rng: Random, kind: str) -> bytes:
    """A small model file of ``kind`` (``pkl``, ``safetensors``, ``npy``)."""
    if kind == "pkl":
        return pickle.dumps(
            {"weights": [rng.random() for _ in range(16)], "classes": list(WORDS[:4])}, protocol=4
        )
    if kind == "safetensors":
        n = 16 * 16 * 4
        header = json.dumps({"w": {"dtype": "F32", "shape": [16, 16], "data_offsets": [0, n]}}).encode()
        header += b" " * (-len(header) % 8)
        return struct.pack("<Q", len(header)) + header + bytes(n)
    if kind == "npy":
        header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (16, 16), }"
        header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(1024)
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------------

# (file type, weight) of ordinary files
FILE_MIX: tuple[tuple[str, float], ...] = (
    ("py", 0.38),
    ("py_ai", 0.07),
    ("js", 0.06),
    ("ts", 0.07),
    ("yaml", 0.09),
    ("json", 0.08),
    ("md", 0.12),
    ("ipynb", 0.03),
    ("env", 0.03),
    ("dockerfile", 0.02),
    ("requirements", 0.02),
    ("model", 0.004),
    ("txt", 0.026),
)
KEY_RATE = 0.02
"""Share of text files that get one planted key."""
DECOY_RATE = 0.03
"""Share of text files that get decoys (never together with a key)."""

KEY_HOSTS = ("py", "js", "ts", "yaml", "json", "md", "ipynb", "env", "dockerfile")


def _file_name(rng: Random, ftype: str, index: int) -> str:
    stem = f"{_ident(rng)}_{index}"
    return {
        "py": f"{stem}.py",
        "js": f"{stem}.js",
        "ts": f"{stem}.ts",
        "yaml": f"{stem}.yaml",
        "json": f"{stem}.json",
        "md": f"{stem}.md",
        "ipynb": f"{stem}.ipynb",
        "env": ".env" if index % 3 else f".env.{rng.choice(('local', 'dev', 'staging'))}",
        "dockerfile": "Dockerfile",
        "requirements": "requirements.txt",
        "txt": f"{stem}.txt",
    }[ftype]


def _content(rng: Random, ftype: str) -> list[str]:
    if ftype == "py":
        return python_file(rng, ai=False)
    if ftype == "py_ai":
        return python_file(rng, ai=True)
    if ftype in ("js", "ts"):
        return js_file(rng, ai=rng.random() < 0.15, ts=ftype == "ts")
    if ftype == "yaml":
        return yaml_file(rng)
    if ftype == "json":
        return json_lines(rng)
    if ftype == "md":
        return markdown_file(rng)
    if ftype == "env":
        return env_file(rng)
    if ftype == "dockerfile":
        return dockerfile(rng)
    if ftype == "requirements":
        return requirements_file(rng)
    return [_sentence(rng, 20) for _ in range(rng.randint(3, 20))]


def _insert(lines: list[str], new: str, rng: Random, ftype: str) -> None:
    """Insert ``new`` at a plausible position (inside the JSON object, after the YAML root key...)."""
    if ftype == "json":
        # Inside the top-level object, keeping valid JSON: the carrier ends with a comma.
        lines.insert(1, new)
    elif ftype == "yaml":
        lines.insert(min(2, len(lines)), new)  # under "service:"
    elif ftype == "md":
        pos = rng.randint(1, len(lines))
        lines[pos:pos] = ["```bash", new, "```"]
    elif ftype == "dockerfile":
        lines.insert(rng.randint(1, len(lines) - 1), new)
    elif ftype in ("py", "js", "ts"):
        # Only between top-level statements, so the file still parses.
        starts = [i for i, line in enumerate(lines) if i > 0 and _top_level(line, ftype)]
        lines.insert(rng.choice([*starts, len(lines)]), new)
    else:
        lines.insert(rng.randint(min(3, len(lines)), len(lines)), new)


def _top_level(line: str, ftype: str) -> bool:
    """True for a line that starts a top-level statement of the generated code."""
    if ftype == "py":
        return bool(line) and not line[0].isspace() and not line.startswith(("'", '"', ")"))
    return line.startswith(("export ", "import ", "const "))


def _write_text(root: Path, rel: str, text: str, manifest: Manifest) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    target.write_bytes(data)
    manifest.bytes_total += len(data)


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"planted text not found: {needle!r}")


def generate(root: Path, n_files: int = 20_000, seed: int = 1337) -> Manifest:
    """Write ``n_files`` files (plus ``ground_truth.json``) under ``root`` and return the manifest."""
    rng = Random(seed)
    manifest = Manifest(seed=seed, files=n_files)
    types = [t for t, _ in FILE_MIX]
    weights = [w for _, w in FILE_MIX]
    dir_index = 0
    in_dir = 0
    per_dir = 40
    current_dir = ""
    model_kinds = ("pkl", "safetensors", "npy")
    used_names: set[str] = set()
    for index in range(n_files):
        if in_dir == 0:
            service = SERVICES[dir_index % len(SERVICES)]
            current_dir = f"services/{service}/{_ident(rng, 1)}_{dir_index:04d}"
            if dir_index % 7 == 3:
                current_dir = f"notebooks/{service}/{dir_index:04d}"
            elif dir_index % 11 == 5:
                current_dir = f"web/{service}/src/{dir_index:04d}"
            per_dir = rng.randint(20, 60)
            used_names = set()
            dir_index += 1
        in_dir = (in_dir + 1) % per_dir
        ftype = rng.choices(types, weights)[0]
        if ftype == "model":
            kind = model_kinds[index % len(model_kinds)]
            ext = {"pkl": "pkl", "safetensors": "safetensors", "npy": "npy"}[kind]
            rel = f"{current_dir}/model_{index}.{ext}"
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = model_file(rng, kind)
            target.write_bytes(data)
            manifest.bytes_total += len(data)
            manifest.by_type[f"model_{kind}"] = manifest.by_type.get(f"model_{kind}", 0) + 1
            continue
        name = _file_name(rng, ftype if ftype != "py_ai" else "py", index)
        if name in used_names:
            name = f"{index}_{name.lstrip('.')}" if ftype not in ("env", "dockerfile") else f"{name}.{index}"
        used_names.add(name)
        rel = f"{current_dir}/{name}"
        manifest.by_type[ftype] = manifest.by_type.get(ftype, 0) + 1
        host = "py" if ftype == "py_ai" else ftype
        roll = rng.random()
        plant_key = host in KEY_HOSTS and roll < KEY_RATE
        plant_decoy = host in KEY_HOSTS and KEY_RATE <= roll < KEY_RATE + DECOY_RATE
        planted: list[tuple[str, str, str]] = []  # (needle, what, detail)
        if ftype == "ipynb":
            cells = notebook_cells(rng)
            if plant_key or plant_decoy:
                if plant_key:
                    provider = rng.choice(PROVIDERS)
                    value = provider.make(rng)
                    line, carrier = key_line(rng, "ipynb", provider, value)
                    planted.append((value, "key", f"{provider.name}|{provider.key_type}|{carrier}"))
                else:
                    line, kind = decoy_line(rng, "ipynb")
                    # The notebook is JSON: look for the line as it is escaped there.
                    planted.append((json.dumps(line)[1:-1], "decoy", kind))
                cells.insert(rng.randint(1, len(cells)), ["import os", line])
            text = render_notebook(cells)
        else:
            lines = _content(rng, ftype)
            if plant_key:
                provider = rng.choice(PROVIDERS)
                value = provider.make(rng)
                line, carrier = key_line(rng, host, provider, value)
                _insert(lines, line, rng, host)
                planted.append((value, "key", f"{provider.name}|{provider.key_type}|{carrier}"))
            elif plant_decoy:
                for _ in range(rng.randint(1, 2)):
                    line, kind = decoy_line(rng, host)
                    if any(line == needle for needle, _, _ in planted):
                        continue
                    _insert(lines, line, rng, host)
                    planted.append((line, "decoy", kind))
            text = "\n".join(lines) + "\n"
        _write_text(root, rel, text, manifest)
        for needle, what, detail in planted:
            line_no = _line_of(text, needle)
            if what == "key":
                prov, key_type, carrier = detail.split("|")
                manifest.keys.append(PlantedKey(rel, line_no, prov, key_type, carrier))
            else:
                manifest.decoys.append(Decoy(rel, line_no, detail))
    (root / GROUND_TRUTH).write_text(json.dumps(manifest.to_json(), indent=1) + "\n", encoding="utf-8")
    return manifest


def load_manifest(root: Path) -> dict[str, object] | None:
    """The ground truth of a generated tree, or None when there is none."""
    path = root / GROUND_TRUTH
    if not path.is_file():
        return None
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="directory to create (must be empty or absent)")
    parser.add_argument("--files", type=int, default=20_000, help="number of files (default 20000)")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (default 1337)")
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        print(f"error: {out} is not empty", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    manifest = generate(out, args.files, args.seed)
    print(
        f"wrote {manifest.files} files ({manifest.bytes_total / 1e6:.1f} MB) to {out}: "
        f"{len(manifest.keys)} planted keys, {len(manifest.decoys)} decoys"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
