"""Data files shipped with aispm (catalogs, patterns, rule metadata)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load_yaml(name: str) -> Any:
    """Parse a YAML data file shipped in this package (``ai_catalog.yaml`` ...)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)
