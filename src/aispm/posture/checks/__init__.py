"""Built-in checks, one module per area; importing this package registers them all."""

from aispm.posture.checks import agents, code, governance, mcp, secrets, supply_chain

__all__ = ["agents", "code", "governance", "mcp", "secrets", "supply_chain"]
