"""Values a file puts in its own environment, and tools declared to a provider's API as JSON.

``os.environ["X"] = "…"`` / ``os.environ.setdefault("X", "…")`` are read back where the file
reads ``X`` (and where an SDK reads its base URL from ``X`` without being told);
``tools=[{"type": "function", "function": {"name": …}}]`` and Anthropic's ``{"name": …,
"input_schema": …}`` make the call an agent with those tools.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from source_files import run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.python import PythonAnalyzer


def _python(root: Path, source: str) -> tuple[Inventory, SourceFile]:
    file = write_file(root, "app.py", textwrap.dedent(source))
    return run_analyzer(PythonAnalyzer(), file), file


def _models(out: Inventory) -> set[tuple[str, str]]:
    return {(a.provider, a.name) for a in out.of_kind(AssetKind.MODEL)}


def _endpoints(out: Inventory) -> set[tuple[str, str]]:
    return {(a.provider, a.name) for a in out.of_kind(AssetKind.MODEL_ENDPOINT)}


def _agents(out: Inventory) -> dict[str, dict[str, object]]:
    """agent name -> framework, model, and tool name -> capabilities."""
    found: dict[str, dict[str, object]] = {}
    for agent in out.of_kind(AssetKind.AGENT):
        tools = {}
        for edge in out.outgoing(agent.id, RelationKind.HAS_TOOL):
            tool = out.get(edge.target)
            assert tool is not None
            tools[tool.name] = tool.properties["capabilities"]
        found[agent.name] = {
            "framework": agent.properties["framework"],
            "model": agent.properties["model"],
            "tools": tools,
        }
    return found


# --- the file's own environment ------------------------------------------------------------------


def test_environment_set_in_the_file_is_read_back(tmp_path: Path) -> None:
    out, file = _python(
        tmp_path,
        """
        import os
        from os import environ
        from openai import OpenAI
        os.environ["OPENAI_BASE_URL"] = "https://openrouter.ai/api/v1/"
        environ.setdefault("CHAT_MODEL", "qwen/qwen3-coder")
        os.environ.setdefault("CHAT_MODEL", "not/this-one")  # already set: setdefault keeps it
        os.environ["FAST_MODEL"] = "meta-llama/llama-3.1-8b-instruct"
        client = OpenAI()  # no base_url: the SDK reads OPENAI_BASE_URL

        def ask(q):
            client.chat.completions.create(model=os.environ["CHAT_MODEL"], messages=[])
            client.chat.completions.create(model=os.getenv("FAST_MODEL", "gpt-4o-mini"), messages=[])
        """,
    )
    assert _endpoints(out) == {("openrouter", "https://openrouter.ai/api/v1")}
    assert _models(out) == {
        ("openrouter", "qwen/qwen3-coder"),
        ("openrouter", "meta-llama/llama-3.1-8b-instruct"),
    }
    edges = {r.target: r.properties for r in out.outgoing(file.id, RelationKind.CONNECTS_TO)}
    assert edges == {
        urn("endpoint", "model_endpoint", "https://openrouter.ai/api/v1"): {
            "line": 5,
            "from_env": "OPENAI_BASE_URL",
        }
    }
    invoked = {r.target: r.properties.get("from_env") for r in out.outgoing(file.id, RelationKind.INVOKES)}
    assert invoked == {
        urn("model", "model", "openrouter", "qwen/qwen3-coder"): "CHAT_MODEL",
        urn("model", "model", "openrouter", "meta-llama/llama-3.1-8b-instruct"): "FAST_MODEL",
    }


def test_base_url_variable_counts_only_for_the_sdk_that_reads_it(tmp_path: Path) -> None:
    out, _ = _python(
        tmp_path,
        """
        import os
        import anthropic
        os.environ["OPENAI_BASE_URL"] = "https://api.deepseek.com"
        os.environ["ANTHROPIC_BASE_URL"] = os.environ.get("PROXY", "https://llm-proxy.example.com")
        anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
        """,
    )
    # the file uses no OpenAI SDK; Anthropic's client goes to an unknown proxy: its provider stays
    assert _endpoints(out) == {("anthropic", "https://llm-proxy.example.com")}
    assert _models(out) == {("anthropic", "claude-sonnet-4-5")}


def test_an_explicit_base_url_beats_the_variable(tmp_path: Path) -> None:
    out, _ = _python(
        tmp_path,
        """
        import os
        from openai import OpenAI
        os.environ["OPENAI_BASE_URL"] = "https://api.groq.com/openai/v1"
        OpenAI(base_url="http://localhost:11434/v1").chat.completions.create(model="llama3.2", messages=[])
        """,
    )
    assert _models(out) == {("ollama", "llama3.2")}
    assert _endpoints(out) == {
        ("groq", "https://api.groq.com/openai/v1"),
        ("ollama", "http://localhost:11434/v1"),
    }


# --- JSON-schema tools ---------------------------------------------------------------------------


def test_openai_function_tools_make_an_agent(tmp_path: Path) -> None:
    out, _ = _python(
        tmp_path,
        """
        import subprocess
        from openai import OpenAI

        client = OpenAI()

        def run_command(cmd):
            return subprocess.run(cmd, shell=True, capture_output=True).stdout

        BASE = [{"type": "function", "function": {"name": "run_command", "parameters": {"type": "object"}}}]
        EXTRA = {"type": "function", "function": {"name": "lookup_order", "parameters": {}}}

        def support_turn(messages):
            return client.chat.completions.create(model="gpt-4.1", messages=messages, tools=BASE + [EXTRA])

        def research(q):
            return client.responses.create(
                model="gpt-4.1-mini",
                input=q,
                tools=[
                    {"type": "web_search_preview"},
                    {"type": "function", "name": "save_note", "parameters": {}},
                    {"type": "code_interpreter", "container": {"type": "auto"}},
                ],
            )

        def legacy(messages):
            return client.chat.completions.create(
                model="gpt-3.5-turbo", messages=messages, functions=[{"name": "get_time", "parameters": {}}])
        """,
    )
    assert _agents(out) == {
        "support_turn": {
            "framework": "openai",
            "model": "gpt-4.1",
            "tools": {"run_command": ["shell"], "lookup_order": []},  # the module function's capabilities
        },
        "research": {
            "framework": "openai",
            "model": "gpt-4.1-mini",
            "tools": {"web_search_preview": ["network"], "save_note": [], "code_interpreter": ["code_exec"]},
        },
        "legacy": {"framework": "openai", "model": "gpt-3.5-turbo", "tools": {"get_time": []}},
    }


def test_anthropic_and_gemini_tools(tmp_path: Path) -> None:
    out, _ = _python(
        tmp_path,
        """
        import anthropic
        import google.generativeai as genai

        TOOLS = [
            {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}},
            {"type": "bash_20250124", "name": "bash"},
            {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
        ]
        claude = anthropic.Anthropic().messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, messages=[], tools=TOOLS)

        gemini = genai.GenerativeModel(
            "gemini-1.5-pro",
            tools=[{"function_declarations": [{"name": "find_flights", "parameters": {}},
                                              {"name": "book_flight", "parameters": {}}]}],
        )
        """,
    )
    assert _agents(out) == {
        "claude": {
            "framework": "anthropic",
            "model": "claude-sonnet-4-5",
            "tools": {
                "get_weather": [],
                "bash": ["shell"],
                "str_replace_based_edit_tool": ["file_read", "file_write"],
            },
        },
        "gemini": {
            "framework": "google-gemini",
            "model": "gemini-1.5-pro",
            "tools": {"find_flights": [], "book_flight": []},
        },
    }


def test_dicts_that_are_no_tool_definitions(tmp_path: Path) -> None:
    out, _ = _python(
        tmp_path,
        """
        import requests
        from openai import OpenAI
        from agents import Agent

        def helper(tools):
            return tools

        client = OpenAI()
        client.chat.completions.create(model="gpt-4o", messages=[], tools=[{"note": "no name or schema"}])
        helper(tools=[{"type": "function", "function": {"name": "not_an_sdk_call"}}])
        requests.post("https://example.com", json={"tools": [{"name": "x", "parameters": {}}]})
        Agent(name="writer", tools=[])
        """,
    )
    assert set(_agents(out)) == {"writer"}
    assert not list(out.of_kind(AssetKind.TOOL))
