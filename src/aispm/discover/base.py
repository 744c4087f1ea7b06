"""The collector interface: a source in, an inventory out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aispm.core.model import Inventory

Progress = Callable[[int, int | None, str], None]
"""Progress callback: (done, total or None, current item)."""


def no_progress(done: int, total: int | None, item: str) -> None:
    """A progress callback that shows nothing."""


class Collector(Protocol):
    """Discovers assets in one source (a repository, a cloud account, a cluster ...)."""

    name: str

    def collect(self, progress: Progress = no_progress) -> Inventory:
        """Read the source and return what was found.

        Never raises for bad input in the source: unreadable or malformed parts become
        ``Inventory.warnings`` and the rest of the work goes on.
        """
        ...
