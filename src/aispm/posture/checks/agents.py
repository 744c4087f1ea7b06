"""Agents and their tools: what an LLM can be made to do (excessive agency)."""

from __future__ import annotations

from collections.abc import Iterator

from aispm.core.model import Asset, AssetKind, Finding, Inventory, RelationKind
from aispm.posture.helpers import as_list, finding
from aispm.posture.policy import Policy
from aispm.posture.registry import check

_DATA_ACCESS = {"file_read", "sql"}
_OUTBOUND = {"network", "email"}


def capabilities(tool: Asset) -> set[str]:
    return {str(c) for c in as_list(tool.properties.get("capabilities"))}


def _tool_findings(inventory: Inventory, rule_id: str, capability: str, what: str) -> Iterator[Finding]:
    for tool in inventory.of_kind(AssetKind.TOOL):
        if capability not in capabilities(tool):
            continue
        agents = [a.name for a in _agents_of(inventory, tool)]
        used_by = f" (used by {', '.join(agents)})" if agents else ""
        function = tool.properties.get("function") or tool.name
        yield finding(
            rule_id,
            tool,
            f"agent tool {function} at {tool.location or '?'} {what}{used_by}",
            evidence={
                "function": function,
                "framework": tool.properties.get("framework"),
                "capabilities": sorted(capabilities(tool)),
                "agents": agents,
            },
        )


def _agents_of(inventory: Inventory, tool: Asset) -> list[Asset]:
    found = (inventory.get(r.source) for r in inventory.incoming(tool.id, RelationKind.HAS_TOOL))
    return [a for a in found if a is not None]


def _tools_of(inventory: Inventory, agent: Asset) -> list[Asset]:
    found = (inventory.get(r.target) for r in inventory.outgoing(agent.id, RelationKind.HAS_TOOL))
    return [t for t in found if t is not None and t.kind == AssetKind.TOOL]


@check("AISPM-AGENT-001")
def shell_tool(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _tool_findings(inventory, "AISPM-AGENT-001", "shell", "runs shell commands")


@check("AISPM-AGENT-002")
def code_exec_tool(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _tool_findings(inventory, "AISPM-AGENT-002", "code_exec", "executes code the model writes")


@check("AISPM-AGENT-003")
def file_write_tool(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _tool_findings(inventory, "AISPM-AGENT-003", "file_write", "writes files")


@check("AISPM-AGENT-004")
def exfiltration_combo(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for agent in inventory.of_kind(AssetKind.AGENT):
        tools = _tools_of(inventory, agent)
        readers = sorted(t.name for t in tools if capabilities(t) & _DATA_ACCESS)
        senders = sorted(t.name for t in tools if capabilities(t) & _OUTBOUND)
        if not readers or not senders:
            continue
        yield finding(
            "AISPM-AGENT-004",
            agent,
            f"agent {agent.name} at {agent.location or '?'} can read data ({', '.join(readers)}) and send "
            f"it out ({', '.join(senders)})",
            evidence={"data_access_tools": readers, "outbound_tools": senders},
        )


@check("AISPM-AGENT-005")
def too_many_tools(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for agent in inventory.of_kind(AssetKind.AGENT):
        tools = _tools_of(inventory, agent)
        if len(tools) <= policy.max_agent_tools:
            continue
        yield finding(
            "AISPM-AGENT-005",
            agent,
            f"agent {agent.name} at {agent.location or '?'} has {len(tools)} tools "
            f"(policy max_agent_tools: {policy.max_agent_tools})",
            evidence={"tool_count": len(tools), "max_agent_tools": policy.max_agent_tools},
        )


@check("AISPM-AGENT-006")
def sql_tool(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _tool_findings(inventory, "AISPM-AGENT-006", "sql", "runs SQL statements")
