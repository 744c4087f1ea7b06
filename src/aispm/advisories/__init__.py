"""OSV advisory database: download (``aispm db update``), offline load, version matching."""

from __future__ import annotations

from aispm.advisories.db import AdvisoryDB, AdvisoryLoadError, default_dir
from aispm.advisories.osv import Advisory, normalise_name

__all__ = ["Advisory", "AdvisoryDB", "AdvisoryLoadError", "default_dir", "normalise_name"]
