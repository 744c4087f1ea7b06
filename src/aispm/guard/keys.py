"""Gateway keys: ``aispm-<key_id>-<secret>``, shown once, kept as a salted sha256.

The ``key_id`` finds the stored row; the hash of the presented key is compared with
:func:`hmac.compare_digest`, so neither the key nor the timing of the comparison leaks.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PREFIX = "aispm-"
_KEY = re.compile(r"aispm-([0-9a-f]{12})-([A-Za-z0-9_-]{20,100})")
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What the store keeps about a key (never the key itself)."""

    key_id: str
    name: str
    salt: str
    key_hash: str
    models: tuple[str, ...]
    rpm: int | None
    tpm: int | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def status(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at) <= (now or datetime.now(UTC)):
            return "expired"
        return "active"


def hash_key(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()


def new_key() -> tuple[str, str, str, str]:
    """A fresh key: ``(key, key_id, salt, key_hash)``."""
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}-{secrets.token_urlsafe(32)}"
    salt = secrets.token_hex(16)
    return key, key_id, salt, hash_key(salt, key)


def key_id_of(presented: str) -> str | None:
    """The key id inside a presented key, or None when it is not shaped like a gateway key."""
    match = _KEY.fullmatch(presented.strip())
    return match.group(1) if match else None


def verify(record: KeyRecord, presented: str) -> bool:
    """Whether ``presented`` is the key of ``record`` (constant-time comparison)."""
    return hmac.compare_digest(hash_key(record.salt, presented.strip()), record.key_hash)


def parse_duration(text: str) -> timedelta | None:
    """``30d``, ``12h``, ``1w2d``, ``90s`` as a timedelta; None when ``text`` is not a duration."""
    spec = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(spec)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != spec:
        return None
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def parse_time(text: str) -> datetime:
    """An ISO date or time (UTC when it names no zone); raises ValueError."""
    when = datetime.fromisoformat(text.strip())
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def since_iso(text: str, now: datetime | None = None) -> str:
    """A ``--since`` value: a duration back from now (``7d``, ``12h``) or an ISO date/time -> ISO UTC;
    raises ValueError."""
    duration = parse_duration(text)
    if duration is not None:
        return ((now or datetime.now(UTC)) - duration).isoformat(timespec="milliseconds")
    try:
        return parse_time(text).isoformat(timespec="milliseconds")
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (1h, 7d) nor an ISO date") from None


def parse_expiry(text: str | None, now: datetime | None = None) -> str | None:
    """``--expires``: a duration (``30d``, ``12h``, ``1w2d``) or an ISO date/time -> ISO UTC string."""
    if text is None or not text.strip():
        return None
    now = now or datetime.now(UTC)
    duration = parse_duration(text)
    if duration is not None:
        return (now + duration).isoformat(timespec="seconds")
    try:
        return parse_time(text).isoformat(timespec="seconds")
    except ValueError:
        raise ValueError(
            f"--expires {text!r} is neither a duration (30d, 12h, 1w) nor an ISO date (2026-12-31)"
        ) from None
