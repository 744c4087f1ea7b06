"""What the Python analysis of one file found, and how it becomes assets and relationships.

The ids and properties follow "Conventions of repository discovery" in docs/architecture.md.
Two additive edges anchor things that have no other parent: ``file --contains--> tool`` and
``file --contains--> mcp_server``; an MCP server implemented in the file (``FastMCP``) gets
``mcp_server --has_tool--> tool`` for its tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aispm.core.ids import digest, urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.detect.scrub import scrub_secrets
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.code.catalog import CatalogEntry

EXCERPT_CHARS = 200
_VARIABLE = r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})"


@dataclass(frozen=True, slots=True)
class ModelRec:
    provider: str
    model: str
    line: int
    call: str
    hub: bool = False
    revision: str | None = None
    env: str | None = None

    @property
    def id(self) -> str:
        return urn("model", "model", self.provider, self.model)


@dataclass(frozen=True, slots=True)
class EndpointRec:
    url: str
    properties: dict[str, Any]
    provider: str
    line: int
    env: str | None = None


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
            _use(file_id, entry, line, module, out)
        for model in self.models:
            _model(model, out)
            out.relate(file_id, RelationKind.INVOKES, model.id, line=model.line, call=model.call)
        for endpoint in self.endpoints:
            endpoint_id = _endpoint(endpoint, out)
            out.relate(file_id, RelationKind.CONNECTS_TO, endpoint_id, line=endpoint.line)
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
                _model(agent.model, out)
                out.relate(agent_id, RelationKind.INVOKES, agent.model.id)
        for text, line in self.prompts:
            prompt_id = _prompt(file, text, line, out)
            out.relate(file_id, RelationKind.CONTAINS, prompt_id)
        for rel, line, call in self.loads:
            target = urn("code", "model_artifact", file.repo_key, rel)
            out.relate(file_id, RelationKind.LOADS, target, line=line, call=call)


def _use(file_id: str, entry: CatalogEntry, line: int, module: str, out: Inventory) -> None:
    entry_id = urn("code", entry.kind, entry.id)
    props = {"catalog_id": entry.id, "category": entry.category, "vendor": entry.name}
    out.add(Asset(entry_id, entry.asset_kind, entry.name, entry.provider, properties=props, source="code"))
    out.relate(file_id, RelationKind.USES, entry_id, line=line, module=module)


def _model(model: ModelRec, out: Inventory) -> None:
    props: dict[str, Any] = {"provider": model.provider, "model": model.model}
    if model.hub:
        props["revision"] = model.revision
    if model.env:
        props["from_env"] = model.env
    out.add(Asset(model.id, AssetKind.MODEL, model.model, model.provider, properties=props, source="code"))


def _endpoint(endpoint: EndpointRec, out: Inventory) -> str:
    endpoint_id = urn("endpoint", "model_endpoint", endpoint.url)
    props = dict(endpoint.properties)
    if endpoint.env:
        props["from_env"] = endpoint.env
    kind = AssetKind.MODEL_ENDPOINT
    out.add(Asset(endpoint_id, kind, endpoint.url, endpoint.provider, properties=props, source="code"))
    return endpoint_id


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
