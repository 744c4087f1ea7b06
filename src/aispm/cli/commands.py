"""The list of command modules; each has ``register(app)``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach every command group to the root app."""
    from aispm.cli import access, admission, bom, db, detect, guard, history, model, paths, rules, scan

    scan.register(app)
    history.register(app)
    rules.register(app)
    db.register(app)
    model.register(app)
    bom.register(app)
    detect.register(app)
    guard.register(app)
    admission.register(app)
    paths.register(app)
    access.register(app)
