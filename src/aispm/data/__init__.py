"""Data files shipped with aispm (catalogs, patterns, rule metadata)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10x faster), else the Python one."""


def load_yaml(name: str) -> Any:
    """Parse a YAML data file shipped in this package (``ai_catalog.yaml`` ...)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_SafeLoader)
