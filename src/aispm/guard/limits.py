"""Request and token limits per key (per minute), and risk-based throttling.

Rate limits: a request is refused when the key's requests this minute would pass ``rpm``, or
when the tokens it already used this minute reached ``tpm`` (tokens are counted after each
response, from the provider's usage).  Risk: every request that trips a detector (block, redact
or flag) is a *trip*; past ``slow_after`` trips in the risk window each request is delayed, past
``block_after`` the key is refused for the cool-down.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aispm.guard.config import RiskConfig
from aispm.guard.counters import Counters


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    code: str
    retry_after: int


class Limits:
    """The limit checks of one gateway process over shared or local counters."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters

    async def admit(self, key: str, rpm: int | None, tpm: int | None) -> Refusal | None:
        """Count the request; a :class:`Refusal` when a limit is reached."""
        if rpm is not None:
            used = await self.counters.add(f"rpm:{key}", 1, 60)
            if used > rpm:
                return Refusal(f"rate limit of {rpm} requests per minute reached", "rate_limit_exceeded", 60)
        if tpm is not None:
            tokens = await self.counters.get(f"tpm:{key}", 60)
            if tokens >= tpm:
                return Refusal(f"token limit of {tpm} tokens per minute reached", "token_limit_exceeded", 60)
        return None

    async def spend(self, key: str, tokens: int) -> None:
        if tokens > 0:
            await self.counters.add(f"tpm:{key}", tokens, 60)

    async def risk_gate(self, key: str, risk: RiskConfig) -> Refusal | None:
        """Refuse a key in cool-down; delay one past ``slow_after`` trips."""
        if not risk.enabled:
            return None
        left = await self.counters.flagged(f"risk:{key}")
        if left > 0:
            return Refusal(
                "this key tripped the guard too often and is cooling down", "risk_cooldown", int(left) + 1
            )
        trips = await self.counters.get(f"trips:{key}", risk.window_seconds)
        if trips >= risk.slow_after and risk.slow_ms > 0:
            await asyncio.sleep(risk.slow_ms / 1000)
        return None

    async def trip(self, key: str, risk: RiskConfig) -> None:
        """Record that a request of ``key`` tripped a detector; start the cool-down at ``block_after``."""
        if not risk.enabled:
            return
        trips = await self.counters.add(f"trips:{key}", 1, risk.window_seconds)
        if trips >= risk.block_after:
            await self.counters.flag(f"risk:{key}", risk.cooldown_seconds)
