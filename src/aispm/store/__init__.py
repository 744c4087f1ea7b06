"""Scan history: SQLAlchemy tables, packaged Alembic migrations, diffs and suppressions.

>>> with Store.open(None) as store:          # aispm.db in the user data directory
...     scan_id = store.save_scan(result)
...     changes = store.diff()               # the two newest scans
"""

from aispm.store.diff import AssetChange, FindingChange, ScanDiff
from aispm.store.errors import StoreError
from aispm.store.records import FindingState, ScanSummary
from aispm.store.store import Store

__all__ = [
    "AssetChange",
    "FindingChange",
    "FindingState",
    "ScanDiff",
    "ScanSummary",
    "Store",
    "StoreError",
]
