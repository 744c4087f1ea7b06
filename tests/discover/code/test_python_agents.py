"""PythonAnalyzer: agents, tools and their capabilities, MCP servers, per framework."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.python import PythonAnalyzer

REPO = "github.com/acme/agents"


class Scan:
    """The inventory of one analysed file with look-ups by name."""

    def __init__(self, root: Path, source: str, rel: str = "agent.py") -> None:
        path = root / rel
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        self.file = SourceFile(root, path, rel, path.stat().st_size, REPO)
        self.out = Inventory()
        PythonAnalyzer().analyze(self.file, self.out)
        assert not self.out.warnings

    def tools(self) -> dict[str, dict[str, Any]]:
        return {str(a.properties["function"]): dict(a.properties) for a in self.out.of_kind(AssetKind.TOOL)}

    def caps(self) -> dict[str, list[str]]:
        return {name: props["capabilities"] for name, props in self.tools().items()}

    def agents(self) -> dict[str, dict[str, Any]]:
        return {a.name: dict(a.properties) for a in self.out.of_kind(AssetKind.AGENT)}

    def agent_id(self, name: str) -> str:
        return urn("code", "agent", REPO, self.file.rel, name)

    def tool_id(self, function: str) -> str:
        return urn("code", "tool", REPO, self.file.rel, function)

    def server_id(self, name: str) -> str:
        return urn("code", "mcp_server", REPO, self.file.rel, name)

    def agent_tools(self, name: str) -> set[str]:
        return {r.target for r in self.out.outgoing(self.agent_id(name), RelationKind.HAS_TOOL)}

    def targets(self, source: str, kind: RelationKind) -> set[str]:
        return {r.target for r in self.out.outgoing(source, kind)}

    def servers(self) -> dict[str, dict[str, Any]]:
        return {a.name: dict(a.properties) for a in self.out.of_kind(AssetKind.MCP_SERVER)}


def test_langchain_tools_and_agents(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import subprocess, requests
        from pathlib import Path
        from langchain_core.tools import tool, StructuredTool, Tool
        from langchain.agents import AgentExecutor, create_react_agent
        from langchain_openai import ChatOpenAI
        from langchain_community.tools import ShellTool
        from langchain_experimental.tools import PythonREPLTool
        from langchain_community.agent_toolkits import FileManagementToolkit

        @tool
        def run(cmd: str) -> str:
            \"\"\"Run a shell command.\"\"\"
            return subprocess.check_output(cmd, shell=True).decode()

        @tool("save_note")
        def save(text: str) -> None:
            \"\"\"Save a note.\"\"\"
            Path("notes.txt").write_text(text)

        def fetch(url: str) -> str:
            return requests.get(url, timeout=5).text

        def add(a: int, b: int) -> int:
            return a + b

        fetch_tool = StructuredTool.from_function(func=fetch, name="fetch_page")
        adder = Tool(name="adder", func=add, description="adds")
        toolkit = FileManagementToolkit(root_dir="/tmp")
        llm = ChatOpenAI(model="gpt-4o", temperature=0)
        tools = [run, save, fetch_tool, adder, ShellTool(), PythonREPLTool(), *toolkit.get_tools()]
        react = create_react_agent(llm, tools, prompt)
        executor = AgentExecutor(agent=react, tools=tools)
        """,
    )
    assert scan.caps() == {
        "run": ["shell"],
        "save": ["file_write"],
        "fetch": ["network"],
        "add": [],
        "ShellTool": ["shell"],
        "PythonREPLTool": ["code_exec"],
        "FileManagementToolkit": ["file_read", "file_write"],
    }
    tools = scan.tools()
    assert tools["save"]["framework"] == "langchain" and tools["save"]["line"] == 17
    assert {a.name for a in scan.out.of_kind(AssetKind.TOOL)} >= {"save_note", "fetch_page", "adder"}
    assert scan.agents() == {"react": {"framework": "langchain", "model": "gpt-4o", "line": 32}}
    assert scan.agent_tools("react") == {scan.tool_id(f) for f in scan.caps()}
    gpt4o = urn("model", "model", "openai", "gpt-4o")
    assert scan.targets(scan.agent_id("react"), RelationKind.INVOKES) == {gpt4o}
    assert scan.agent_id("react") in scan.targets(scan.file.id, RelationKind.CONTAINS)


def test_langgraph_agent_tool_node_and_load_tools(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import os
        from langgraph.prebuilt import create_react_agent, ToolNode
        from langchain_community.agent_toolkits.load_tools import load_tools

        def cleanup(path: str) -> str:
            \"\"\"Delete a file.\"\"\"
            os.remove(path)
            return "ok"

        builtin = load_tools(["terminal", "wikipedia"])
        graph = create_react_agent("anthropic:claude-3-7-sonnet-latest", tools=[cleanup, *builtin])
        node = ToolNode([cleanup])
        """,
    )
    assert scan.caps() == {"cleanup": ["file_write"], "terminal": ["shell"], "wikipedia": ["network"]}
    agents = scan.agents()
    assert (
        agents["graph"]["framework"] == "langgraph" and agents["graph"]["model"] == "claude-3-7-sonnet-latest"
    )
    claude = urn("model", "model", "anthropic", "claude-3-7-sonnet-latest")
    assert scan.targets(scan.agent_id("graph"), RelationKind.INVOKES) == {claude}
    assert scan.agent_tools("graph") == {scan.tool_id(n) for n in ("cleanup", "terminal", "wikipedia")}
    assert scan.agent_tools("node") == {scan.tool_id("cleanup")}


def test_crewai_agents_tools_and_base_tool_classes(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import sqlite3
        import smtplib
        from crewai import Agent, Task, Crew
        from crewai.tools import BaseTool, tool
        from crewai_tools import FileWriterTool, SerperDevTool

        class QueryTool(BaseTool):
            name: str = "Orders query"
            description: str = "Runs SQL"

            def _run(self, where: str) -> str:
                cur = sqlite3.connect("shop.db").cursor()
                cur.execute(f"SELECT * FROM orders WHERE {where}")
                return self._notify(where)

            def _notify(self, what):
                smtplib.SMTP("localhost").sendmail("a@x", ["b@x"], what)

        @tool("Count words")
        def count_words(text: str) -> int:
            \"\"\"Count words.\"\"\"
            return len(text.split())

        analyst = Agent(
            role="Data analyst",
            goal="Answer questions about orders",
            backstory="You are careful with customer data.",
            tools=[QueryTool(), count_words, FileWriterTool(), SerperDevTool()],
            llm="openai/gpt-4o",
        )
        """,
    )
    assert scan.caps() == {
        "QueryTool": ["email", "network", "sql"],
        "count_words": [],
        "FileWriterTool": ["file_write"],
        "SerperDevTool": ["network"],
    }
    assert {a.name for a in scan.out.of_kind(AssetKind.TOOL)} >= {"Orders query", "Count words"}
    assert scan.agents() == {"Data analyst": {"framework": "crewai", "model": "gpt-4o", "line": 25}}
    assert len(scan.agent_tools("Data analyst")) == 4
    excerpts = {a.properties["excerpt"] for a in scan.out.of_kind(AssetKind.PROMPT_TEMPLATE)}
    assert excerpts == {"Answer questions about orders", "You are careful with customer data."}


def test_openai_agents_sdk_with_mcp_servers(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import httpx
        from agents import Agent, Runner, function_tool
        from agents.mcp import MCPServerStdio, MCPServerStreamableHttp

        @function_tool
        async def get_weather(city: str) -> str:
            async with httpx.AsyncClient() as c:
                return (await c.get(f"https://wttr.in/{city}")).text

        async def main():
            async with MCPServerStdio(
                name="Filesystem",
                params={
                    "command": "npx",
                    "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "."],
                },
            ) as fs, MCPServerStreamableHttp(params={"url": "https://mcp.example.com/mcp"}) as remote:
                agent = Agent(
                    name="Assistant",
                    instructions="Use the tools to answer.",
                    model="gpt-4.1",
                    tools=[get_weather],
                    mcp_servers=[fs, remote],
                )
                result = await Runner.run(agent, "Hi")
        """,
    )
    assert scan.caps() == {"get_weather": ["network"]}
    assert scan.agents()["Assistant"] == {"framework": "openai-agents", "model": "gpt-4.1", "line": 19}
    servers = scan.servers()
    assert set(servers) == {"Filesystem", "remote"}
    fs = servers["Filesystem"]
    assert fs["command"] == "npx" and fs["transport"] == "stdio" and fs["launcher"] == "npx"
    assert fs["package"] == "@modelcontextprotocol/server-filesystem"
    assert fs["package_version"] == "2025.7.1" and fs["pinned"] is True
    assert servers["remote"]["url"] == "https://mcp.example.com/mcp"
    assert servers["remote"]["transport"] == "http"
    connected = scan.targets(scan.agent_id("Assistant"), RelationKind.CONNECTS_TO)
    assert connected == {scan.server_id("Filesystem"), scan.server_id("remote")}


def test_mcp_client_definitions_and_pinning(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        from mcp import StdioServerParameters
        from langchain_mcp_adapters.client import MultiServerMCPClient
        from langgraph.prebuilt import create_react_agent

        git = StdioServerParameters(command="uvx", args=["mcp-server-git==0.6.2", "--repository", "."])
        fetch = StdioServerParameters(
            command="docker", args=["run", "-i", "--rm", "mcp/fetch"], env={"TOKEN": tok}
        )

        async def build():
            client = MultiServerMCPClient({
                "math": {"command": "python", "args": ["math_server.py"], "transport": "stdio"},
                "weather": {"url": "http://localhost:8000/mcp", "transport": "streamable_http"},
                "browser": {"command": "npx", "args": ["@playwright/mcp@latest"]},
            })
            tools = await client.get_tools()
            return create_react_agent("openai:gpt-4o", tools)
        """,
    )
    servers = scan.servers()
    assert set(servers) == {"git", "fetch", "math", "weather", "browser"}
    assert servers["git"]["package"] == "mcp-server-git" and servers["git"]["pinned"] is True
    assert servers["fetch"]["launcher"] == "docker" and servers["fetch"]["package"] == "mcp/fetch"
    assert servers["fetch"]["pinned"] is False and servers["fetch"]["env_keys"] == ["TOKEN"]
    assert servers["browser"]["package_version"] == "latest" and servers["browser"]["pinned"] is False
    assert (
        servers["weather"]["transport"] == "http" and servers["weather"]["url"] == "http://localhost:8000/mcp"
    )
    connected = scan.targets(scan.agent_id("build"), RelationKind.CONNECTS_TO)
    assert connected == {scan.server_id(n) for n in ("math", "weather", "browser")}
    assert scan.agents()["build"]["model"] == "gpt-4o"


def test_fastmcp_server_tools(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import os
        from mcp.server.fastmcp import FastMCP

        mcp = FastMCP("ops")

        @mcp.tool()
        def restart(service: str) -> str:
            return os.popen(f"systemctl restart {service}").read()

        @mcp.tool(name="read_config")
        def read(path: str) -> str:
            with open(path) as fh:
                return fh.read()

        def not_a_tool():
            os.system("true")
        """,
    )
    assert scan.caps() == {"restart": ["shell"], "read": ["file_read"]}
    assert scan.servers()["ops"]["implemented_in_code"] is True
    assert scan.targets(scan.server_id("ops"), RelationKind.HAS_TOOL) == {
        scan.tool_id("restart"),
        scan.tool_id("read"),
    }


def test_autogen_agents_tools_and_code_executors(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import shutil
        from autogen_agentchat.agents import AssistantAgent, CodeExecutorAgent
        from autogen_ext.models.openai import OpenAIChatCompletionClient
        from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor
        from autogen import ConversableAgent, register_function

        def archive(folder: str) -> str:
            return shutil.make_archive(folder, "zip", folder)

        client = OpenAIChatCompletionClient(model="gpt-4o")
        coder = AssistantAgent("coder", model_client=client, tools=[archive])
        runner = CodeExecutorAgent("runner", code_executor=LocalCommandLineCodeExecutor(work_dir="out"))

        def lookup(q: str) -> str:
            return q

        config = {"config_list": [{"model": "gpt-4o-mini", "api_key": k}]}
        helper = ConversableAgent("helper", llm_config=config)
        register_function(lookup, caller=helper, executor=helper, description="look up")
        """,
    )
    assert scan.caps() == {
        "archive": ["file_write"],
        "LocalCommandLineCodeExecutor": ["code_exec", "shell"],
        "lookup": [],
    }
    agents = scan.agents()
    assert agents["coder"]["model"] == "gpt-4o" and agents["coder"]["framework"] == "autogen"
    assert agents["helper"]["model"] == "gpt-4o-mini"
    assert scan.agent_tools("runner") == {scan.tool_id("LocalCommandLineCodeExecutor")}
    assert scan.agent_tools("helper") == {scan.tool_id("lookup")}


def test_llamaindex_function_tools(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import subprocess
        from llama_index.core.tools import FunctionTool
        from llama_index.core.agent import ReActAgent
        from llama_index.llms.openai import OpenAI

        def shell(cmd: str) -> str:
            return _exec(cmd)

        def _exec(cmd):
            return subprocess.getoutput(cmd)

        shell_tool = FunctionTool.from_defaults(fn=shell)
        agent = ReActAgent.from_tools([shell_tool], llm=OpenAI(model="gpt-4"), verbose=True)
        """,
    )
    assert scan.caps() == {"shell": ["shell"]}
    assert scan.agents()["agent"] == {"framework": "llamaindex", "model": "gpt-4", "line": 14}
    assert scan.agent_tools("agent") == {scan.tool_id("shell")}


def test_capabilities_are_precise(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import importlib
        import sqlite3
        from langchain_core.tools import tool

        @tool
        def plugin(name: str) -> str:
            \"\"\"Load a plugin.\"\"\"
            return importlib.import_module(name).run()

        @tool
        def fixed() -> str:
            \"\"\"Load json.\"\"\"
            db.execute("SELECT 1")
            return importlib.import_module("json").dumps({})

        @tool
        def query(where: str) -> list:
            \"\"\"Query.\"\"\"
            conn = sqlite3.connect("x.db")
            return conn.execute("SELECT * FROM t WHERE id = ?", (where,)).fetchall()

        @tool
        def append(line: str) -> None:
            \"\"\"Append to a log.\"\"\"
            with open("log.txt", mode="a") as fh:
                fh.write(line)

        @tool
        def evaluate(expr: str) -> str:
            \"\"\"Evaluate.\"\"\"
            return str(eval(expr))
        """,
    )
    assert scan.caps() == {
        "plugin": ["code_exec"],
        "fixed": [],
        "query": ["sql"],
        "append": ["file_write"],
        "evaluate": ["code_exec"],
    }


def test_functions_named_like_framework_decorators_are_not_tools(tmp_path: Path) -> None:
    scan = Scan(
        tmp_path,
        """
        import os
        from mylib.decorators import tool
        from openai import OpenAI

        @tool
        def wipe():
            os.system("rm -rf /tmp/x")

        def Agent(**kw):
            return kw

        Agent(name="fake", tools=[wipe])
        """,
    )
    assert scan.tools() == {} and scan.agents() == {}
