from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.model import Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.iac import iac_analyzers

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def iac_inventory() -> Inventory:
    return RepositoryCollector(FIXTURES, iac_analyzers()).collect()
