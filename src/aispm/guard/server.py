"""Running the gateway under uvicorn with one or several worker processes."""

from __future__ import annotations

import os
import shutil
import tempfile

from aispm.guard.app import CONFIG_ENV, DB_ENV
from aispm.guard.config import load_config
from aispm.guard.store import GuardStore


def serve(config_path: str, *, host: str, port: int, workers: int, db: str | None, log_level: str) -> None:
    """Serve until interrupted.  The config is validated and the store migrated before forking."""
    import uvicorn

    config = load_config(config_path)
    GuardStore(db or config.db).close()
    os.environ[CONFIG_ENV] = os.path.abspath(config_path)
    if db:
        os.environ[DB_ENV] = db
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="aispm-guard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "aispm.guard.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            loop="auto",
            http="auto",
        )
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
