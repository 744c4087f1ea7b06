"""Memoised catalog look-ups shared by every file of a scan.

The same qualified names (``openai.OpenAI``, ``os.path.join`` ...) are looked up in every file;
the answers depend only on the catalog, so they are remembered per catalog object.
"""

from __future__ import annotations

import weakref

from aispm.discover.code.catalog import Catalog, CatalogEntry

MAX_CACHED = 1 << 16
"""Names remembered per catalog before the memo starts over (bounds memory on huge scans)."""


class CatalogLookup:
    """``python_calls`` prefix and import-prefix look-ups of one catalog, memoised."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = weakref.ref(catalog)  # the memo table must not keep its key alive
        self._calls: dict[str, CatalogEntry | None] = {}
        self._modules: dict[str, CatalogEntry | None] = {}

    def _get(self) -> Catalog:
        catalog = self._catalog()
        assert catalog is not None, "looked up after its catalog was collected"
        return catalog

    def call_prefix(self, name: str) -> CatalogEntry | None:
        """The ``python_calls`` entry of the longest dotted prefix of ``name``."""
        if name in self._calls:
            return self._calls[name]
        calls = self._get().python_calls
        found: CatalogEntry | None = None
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            found = calls.get(".".join(parts[:end]))
            if found is not None:
                break
        _remember(self._calls, name, found)
        return found

    def module(self, name: str) -> CatalogEntry | None:
        """:meth:`Catalog.for_python_module`, memoised."""
        if name in self._modules:
            return self._modules[name]
        found = self._get().for_python_module(name)
        _remember(self._modules, name, found)
        return found


def _remember(memo: dict[str, CatalogEntry | None], name: str, entry: CatalogEntry | None) -> None:
    if len(memo) >= MAX_CACHED:
        memo.clear()
    memo[name] = entry


_LOOKUPS: weakref.WeakKeyDictionary[Catalog, CatalogLookup] = weakref.WeakKeyDictionary()


def catalog_lookup(catalog: Catalog) -> CatalogLookup:
    """The memoising look-up of ``catalog`` (one per catalog object)."""
    lookup = _LOOKUPS.get(catalog)
    if lookup is None:
        lookup = _LOOKUPS[catalog] = CatalogLookup(catalog)
    return lookup
