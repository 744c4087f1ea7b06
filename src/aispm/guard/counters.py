"""Windowed counters and cool-down flags, in process or in Redis (shared by gateway replicas).

Both backends count in fixed windows of ``window`` seconds keyed by ``floor(now / window)``; Redis
increments and sets the expiry in one Lua script, so replicas never race.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

_INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(v) == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v
"""


class Counters(Protocol):
    async def add(self, name: str, amount: int, window: int) -> int:
        """Add ``amount`` to the current window of ``name``; the new total."""
        ...

    async def get(self, name: str, window: int) -> int:
        """The total of the current window of ``name``."""
        ...

    async def flag(self, name: str, seconds: int) -> None:
        """Raise the flag ``name`` for ``seconds``."""
        ...

    async def flagged(self, name: str) -> float:
        """Seconds left on the flag ``name`` (0 when down)."""
        ...

    async def close(self) -> None: ...


def _slot(window: int, now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // window)


class MemoryCounters:
    """Counters of one gateway process."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._flags: dict[str, float] = {}
        self._last_sweep = 0

    def _sweep(self, slot: int) -> None:
        if slot != self._last_sweep:
            self._last_sweep = slot
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot - 1}

    async def add(self, name: str, amount: int, window: int) -> int:
        slot = _slot(window)
        self._sweep(slot)
        key = (f"{name}:{window}", slot)
        self._counts[key] = self._counts.get(key, 0) + amount
        return self._counts[key]

    async def get(self, name: str, window: int) -> int:
        return self._counts.get((f"{name}:{window}", _slot(window)), 0)

    async def flag(self, name: str, seconds: int) -> None:
        self._flags[name] = time.monotonic() + seconds

    async def flagged(self, name: str) -> float:
        until = self._flags.get(name)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            self._flags.pop(name, None)
            return 0.0
        return left

    async def close(self) -> None:
        return None


class RedisCounters:
    """Counters in Redis, shared by every gateway replica that names the same server and prefix."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self._redis: Any = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._incr: Any = self._redis.register_script(_INCR)

    async def add(self, name: str, amount: int, window: int) -> int:
        key = f"{self._prefix}:{name}:{window}:{_slot(window)}"
        return int(await self._incr(keys=[key], args=[amount, window * 2]))

    async def get(self, name: str, window: int) -> int:
        value = await self._redis.get(f"{self._prefix}:{name}:{window}:{_slot(window)}")
        return int(value or 0)

    async def flag(self, name: str, seconds: int) -> None:
        await self._redis.set(f"{self._prefix}:flag:{name}", 1, ex=max(seconds, 1))

    async def flagged(self, name: str) -> float:
        ttl = await self._redis.pttl(f"{self._prefix}:flag:{name}")
        return max(int(ttl), 0) / 1000.0

    async def close(self) -> None:
        await self._redis.aclose()
