"""The one exception the store raises for anything a user can fix (URL, server, ids, prefixes)."""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed; the message says what failed and what to do about it."""
