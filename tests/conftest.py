"""Settings for the whole test session."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """aispm's cache directory (compiled data files, model-file hashes) is a temporary one for the
    session, set before collection so test modules that load data at import use it too, and
    inherited by xdist workers and the ``aispm`` subprocesses tests start."""
    if os.environ.get("AISPM_CACHE_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="aispm-test-cache-")
    os.environ["AISPM_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
