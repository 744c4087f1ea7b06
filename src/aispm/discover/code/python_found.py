"""What the Python analysis of one file found, and how it becomes assets and relationships.

The ids and properties follow "Conventions of repository discovery" in docs/architecture.md.
Two additive edges anchor things that have no other parent: ``file --contains--> tool`` and
``file --contains--> mcp_server``; an MCP server implemented in the file (``FastMCP``) gets
``mcp_server --has_tool--> tool`` for its tools.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aispm.core.ids import digest, urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.detect.scrub import scrub_secrets
from aispm.discover.code.ai_assets import FROM_ENV, add_use, relate_use
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.code.catalog import CatalogEntry

EXCERPT_CHARS = 200
_VARIABLE = r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})"


@dataclass(frozen=True, slots=True)
class ModelRec:
    """A model (its asset from :mod:`ai_assets`) named by a call."""

    asset: Asset
    line: int
    call: str
    env: str | None = None
    """The environment variable the model name is the default of at this use."""

    @property
    def id(self) -> str:
        return self.asset.id

    @property
    def model(self) -> str:
        return self.asset.name


@dataclass(frozen=True, slots=True)
class EndpointRec:
    """An endpoint (its asset from :mod:`ai_assets`) a client is pointed at."""

    asset: Asset
    line: int
    env: str | None = None
    """The environment variable the URL is the default of at this use."""


_Rec = TypeVar("_Rec", ModelRec, EndpointRec)


@dataclass(slots=True)
class ToolRec:
    name: str
    function: str
    framework: str
    line: int
    capabilities: set[str] = field(default_factory=set)


@dataclass(slots=True)
class McpRec:
    name: str
    properties: dict[str, Any]
    line: int
    tools: list[ToolRec] = field(default_factory=list)


@dataclass(slots=True)
class AgentRec:
    name: str
    framework: str
    line: int
    model: ModelRec | None = None
    tools: list[ToolRec] = field(default_factory=list)
    mcp_servers: list[McpRec] = field(default_factory=list)

    def add_tools(self, tools: list[ToolRec]) -> None:
        for tool in tools:
            if all(t.function != tool.function for t in self.tools):
                self.tools.append(tool)

    def add_servers(self, servers: list[McpRec]) -> None:
        for server in servers:
            if all(s.name != server.name for s in self.mcp_servers):
                self.mcp_servers.append(server)


@dataclass(slots=True)
class Found:
    """Everything found in one file, before it becomes assets."""

    uses: list[tuple[CatalogEntry, int, str]] = field(default_factory=list)
    models: list[ModelRec] = field(default_factory=list)
    endpoints: list[EndpointRec] = field(default_factory=list)
    tools: dict[str, ToolRec] = field(default_factory=dict)
    agents: dict[str, AgentRec] = field(default_factory=dict)
    mcp_servers: dict[str, McpRec] = field(default_factory=dict)
    prompts: list[tuple[str, int]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    sinks: list[dict[str, Any]] = field(default_factory=list)
    loads: list[tuple[str, int, str]] = field(default_factory=list)
    ai_calls: bool = False
    """A watched call that by itself makes the file AI-related (torch.load ...)."""

    def is_ai(self) -> bool:
        return bool(
            self.uses
            or self.models
            or self.endpoints
            or self.tools
            or self.agents
            or self.mcp_servers
            or self.prompts
            or self.sinks
            or self.loads
            or self.ai_calls
        )

    def emit(self, file: SourceFile, out: Inventory, language: str = "python") -> None:
        """Add the assets and relationships to ``out`` (nothing when nothing AI-related)."""
        if not self.is_ai():
            return
        file_id = ensure_file_asset(
            file, out, language=language, calls=self.calls, llm_output_sinks=self.sinks
        )
        for entry, line, module in self.uses:
            add_use(out, file_id, entry, line, module=module)
        for model, uses in _by_asset(self.models):
            relate_use(out, file_id, RelationKind.INVOKES, model.asset, uses, call=model.call)
        for endpoint, uses in _by_asset(self.endpoints):
            relate_use(out, file_id, RelationKind.CONNECTS_TO, endpoint.asset, uses)
        tool_ids = {t.function: _tool(file, t, out) for t in self.tools.values()}
        for tool_id in tool_ids.values():
            out.relate(file_id, RelationKind.CONTAINS, tool_id)
        server_ids: dict[str, str] = {}
        for server in self.mcp_servers.values():
            server_ids[server.name] = _server(file, server, out)
            out.relate(file_id, RelationKind.CONTAINS, server_ids[server.name])
            for tool in server.tools:
                out.relate(server_ids[server.name], RelationKind.HAS_TOOL, tool_ids[tool.function])
        for agent in self.agents.values():
            agent_id = _agent(file, agent, out)
            out.relate(file_id, RelationKind.CONTAINS, agent_id)
            for tool in agent.tools:
                out.relate(agent_id, RelationKind.HAS_TOOL, tool_ids[tool.function])
            for server in agent.mcp_servers:
                out.relate(agent_id, RelationKind.CONNECTS_TO, server_ids[server.name])
            if agent.model is not None:
                out.add(agent.model.asset)
                env = {FROM_ENV: agent.model.env} if agent.model.env else {}
                out.relate(agent_id, RelationKind.INVOKES, agent.model.id, **env)
        for text, line in self.prompts:
            prompt_id = _prompt(file, text, line, out)
            out.relate(file_id, RelationKind.CONTAINS, prompt_id)
        for rel, line, call in self.loads:
            target = urn("code", "model_artifact", file.repo_key, rel)
            out.relate(file_id, RelationKind.LOADS, target, line=line, call=call)


def _by_asset(records: Sequence[_Rec]) -> list[tuple[_Rec, list[tuple[int, str | None]]]]:
    """The first record of each asset and the (line, env variable) of all of them, in the order
    found (the first one's line and call go on the edge)."""
    grouped: dict[str, tuple[_Rec, list[tuple[int, str | None]]]] = {}
    for record in records:
        grouped.setdefault(record.asset.id, (record, []))[1].append((record.line, record.env))
    return list(grouped.values())


def _tool(file: SourceFile, tool: ToolRec, out: Inventory) -> str:
    tool_id = urn("code", "tool", file.repo_key, file.rel, tool.function)
    props = {
        "framework": tool.framework,
        "function": tool.function,
        "capabilities": sorted(tool.capabilities),
        "line": tool.line,
    }
    location = file.location(tool.line)
    out.add(Asset(tool_id, AssetKind.TOOL, tool.name, "local", location, props, source="code"))
    return tool_id


def _server(file: SourceFile, server: McpRec, out: Inventory) -> str:
    server_id = urn("code", "mcp_server", file.repo_key, file.rel, server.name)
    location = file.location(server.line)
    out.add(
        Asset(
            server_id, AssetKind.MCP_SERVER, server.name, "local", location, server.properties, source="code"
        )
    )
    return server_id


def _agent(file: SourceFile, agent: AgentRec, out: Inventory) -> str:
    agent_id = urn("code", "agent", file.repo_key, file.rel, agent.name)
    props = {
        "framework": agent.framework,
        "model": agent.model.model if agent.model else None,
        "line": agent.line,
    }
    location = file.location(agent.line)
    out.add(Asset(agent_id, AssetKind.AGENT, agent.name, "local", location, props, source="code"))
    return agent_id


def prompt_properties(text: str, role: str = "system") -> dict[str, Any]:
    """Documented prompt properties: excerpt with secrets redacted, their types, variables."""
    safe, detections = scrub_secrets(text)
    return {
        "role": role,
        "length": len(text),
        "excerpt": safe[:EXCERPT_CHARS],
        "variables": sorted(set(re.findall(_VARIABLE, text))),
        "secret_types": sorted({d.type for d in detections}),
    }


def _prompt(file: SourceFile, text: str, line: int, out: Inventory) -> str:
    prompt_id = urn("code", "prompt_template", file.repo_key, file.rel, digest(text))
    props = prompt_properties(text)
    first_line = " ".join(str(props["excerpt"]).split())[:60]
    name = f"system prompt: {first_line}" if first_line else "system prompt"
    location = file.location(line)
    out.add(Asset(prompt_id, AssetKind.PROMPT_TEMPLATE, name, "local", location, props, source="code"))
    return prompt_id
