"""PythonAnalyzer: LLM output reaching dangerous sinks (``llm_output_sinks``), and non-flows."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile
from aispm.discover.code.python import PythonAnalyzer


def sinks(root: Path, source: str) -> list[dict[str, Any]]:
    path = root / "app.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    file = SourceFile(root, path, "app.py", path.stat().st_size, "repo")
    out = Inventory()
    PythonAnalyzer().analyze(file, out)
    assert not out.warnings
    asset = out.get(file.id)
    return list(asset.properties["llm_output_sinks"]) if asset else []


def test_openai_output_into_eval(tmp_path: Path) -> None:
    found = sinks(
        tmp_path,
        """
        from openai import OpenAI
        client = OpenAI()

        def calc(question):
            messages = [{"role": "user", "content": question}]
            resp = client.chat.completions.create(model="gpt-4o", messages=messages)
            answer = resp.choices[0].message.content.strip()
            return eval(answer)
        """,
    )
    assert found == [
        {"sink": "eval", "line": 9, "source": "openai.OpenAI.chat.completions.create", "source_line": 7}
    ]


@pytest.mark.parametrize(
    ("body", "sink"),
    [
        ("subprocess.run(text, shell=True)", "subprocess.run"),
        ("subprocess.Popen(['bash', '-c', text])", "subprocess.Popen"),
        ("os.system('echo ' + text)", "os.system"),
        ("code = compile(text, 'x', 'exec')", "compile"),
        ("exec(text)", "exec"),
        ("cursor.execute(f'SELECT * FROM t WHERE {text}')", "cursor.execute"),
        ("pickle.loads(text.encode())", "pickle.loads"),
        ("requests.get(url=text)", "requests.get"),
        ("open('out.sh', 'w').write(text)", "open.write"),
        ("Path('out.py').write_text(text)", "pathlib.Path.write_text"),
    ],
)
def test_anthropic_output_into_sinks(tmp_path: Path, body: str, sink: str) -> None:
    found = sinks(
        tmp_path,
        f"""
        import os, pickle, subprocess, requests
        from pathlib import Path
        import anthropic

        def act(cursor):
            claude = anthropic.Anthropic()
            msg = claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=99, messages=[])
            text = msg.content[0].text
            {body}
        """,
    )
    assert [s["sink"] for s in found] == [sink]
    assert found[0]["source"] == "anthropic.Anthropic.messages.create" and found[0]["source_line"] == 8


def test_flows_through_chains_json_and_with(tmp_path: Path) -> None:
    found = sinks(
        tmp_path,
        """
        import json, os
        import ollama, litellm
        from langchain_openai import ChatOpenAI
        from langchain_core.prompts import ChatPromptTemplate

        chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | ChatOpenAI(model="gpt-4o")

        def plan(q, db):
            plan = json.loads(chain.invoke({"q": q}).content)
            for step in plan["steps"]:
                os.system(step)

        def write(q):
            reply = ollama.chat(model="llama3", messages=[])
            with open("gen.py", "w") as fh:
                fh.write(reply["message"]["content"])

        async def sql(q, session):
            r = await litellm.acompletion(model="gpt-4o", messages=[])
            query, _ = r.choices[0].message.content, None
            await session.execute(query)
        """,
    )
    assert [(s["sink"], s["source"]) for s in found] == [
        ("os.system", "langchain_core.prompts.ChatPromptTemplate.from_messages.invoke"),
        ("open.write", "ollama.chat"),
        ("session.execute", "litellm.acompletion"),
    ]


def test_no_sink_without_llm_output(tmp_path: Path) -> None:
    found = sinks(
        tmp_path,
        """
        import os, shlex, subprocess
        from openai import OpenAI
        from mylib import Thing

        client = OpenAI()
        eval("1 + 1")
        os.system("ls -l")

        def safe(q):
            out = client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
            print(out)
            n = int(out)
            eval(str(n))
            os.system("echo " + shlex.quote(out))
            subprocess.run(["ls", "-l"])
            return out

        def other(q):
            text = Thing().invoke(q)
            eval(text)
            eval(q)
        """,
    )
    assert found == []


def test_taint_is_per_function(tmp_path: Path) -> None:
    found = sinks(
        tmp_path,
        """
        from openai import OpenAI
        client = OpenAI()

        def ask():
            data = client.responses.create(model="gpt-4o", input="hi").output_text
            return data

        def run(data):
            exec(data)
        """,
    )
    assert found == []
