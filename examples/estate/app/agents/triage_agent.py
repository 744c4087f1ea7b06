"""Ticket triage agent (OpenAI Agents SDK) with the team's MCP servers attached."""

import asyncio

from agents import Agent, Runner, function_tool
from agents.mcp import MCPServerStdio


@function_tool
def set_priority(ticket_id: str, priority: str) -> str:
    """Set the priority of a ticket (low, normal, high, urgent)."""
    return f"ticket {ticket_id} set to {priority}"


@function_tool
def assign_queue(ticket_id: str, queue: str) -> str:
    """Move a ticket to a support queue."""
    return f"ticket {ticket_id} moved to {queue}"


async def triage(ticket_text: str) -> str:
    """Triage one ticket with filesystem access to the shared runbooks."""
    async with MCPServerStdio(
        name="runbooks",
        params={
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/copilot/runbooks"],
        },
    ) as runbooks:
        agent = Agent(
            name="triage",
            model="gpt-4o-mini",
            instructions=(
                "You triage incoming support tickets. Read the runbooks to decide the queue, "
                "then set a priority and assign the queue."
            ),
            tools=[set_priority, assign_queue],
            mcp_servers=[runbooks],
        )
        result = await Runner.run(agent, ticket_text)
        return result.final_output


if __name__ == "__main__":
    print(asyncio.run(triage("My invoice shows the wrong VAT number.")))
