"""Runtime guard: model endpoints the gateway saw attacked.

The check reads the ``guard_attacks`` property that :class:`aispm.guard.findings.GuardCollector`
puts on ``model_endpoint`` assets (``aispm scan guard``); the findings are built by
:func:`aispm.guard.findings.endpoint_findings`, the same code ``aispm guard findings`` uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from aispm.core.model import AssetKind, Finding, Inventory
from aispm.posture.policy import Policy
from aispm.posture.registry import check


@check("AISPM-GUARD-001")
def injection_blocked(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    """One finding per attacked endpoint and attack detector (injection, jailbreak)."""
    attacked = [e for e in inventory.of_kind(AssetKind.MODEL_ENDPOINT) if e.properties.get("guard_attacks")]
    if not attacked:
        return  # no guard data: don't import the gateway (and its store) at all
    from aispm.guard.findings import endpoint_findings

    for endpoint in attacked:
        yield from endpoint_findings(endpoint)
