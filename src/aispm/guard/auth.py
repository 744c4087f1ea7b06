"""Authenticating callers with gateway keys (``Authorization: Bearer`` or ``x-api-key``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

from aispm.guard.keys import KeyRecord, key_id_of, verify
from aispm.guard.store import GuardStore


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a client sent: ``x-api-key``, else a bearer token."""
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@dataclass(frozen=True, slots=True)
class AuthResult:
    key: KeyRecord | None
    problem: str | None
    """Why authentication failed (for the 401 message; never contains the key)."""


class KeyAuth:
    """Looks keys up in the store, caching records for ``ttl`` seconds (0: ask every time)."""

    def __init__(self, store: GuardStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl
        self._cache: dict[str, tuple[float, KeyRecord | None]] = {}

    async def _record(self, key_id: str) -> KeyRecord | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        record = await asyncio.to_thread(self.store.get_key, key_id)
        if self.ttl > 0:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key_id] = (now, record)
        return record

    async def authenticate(self, headers: Mapping[str, str]) -> AuthResult:
        presented = presented_key(headers)
        if not presented:
            return AuthResult(
                None, "missing API key: send a gateway key as Authorization: Bearer or x-api-key"
            )
        key_id = key_id_of(presented)
        record = await self._record(key_id) if key_id else None
        if record is None or not verify(record, presented):
            return AuthResult(None, "invalid API key")
        status = record.status()
        if status != "active":
            return AuthResult(None, f"API key {status}")
        return AuthResult(record, None)
