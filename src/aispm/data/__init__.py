"""Data files shipped with aispm (catalogs, patterns, rule metadata)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aispm.data.cache import compiled

_HERE = Path(__file__).parent


def data_bytes(name: str) -> bytes:
    """The bytes of a data file of this package (``ai_catalog.yaml``, ``rules/models.yaml`` ...)."""
    try:
        return (_HERE / name).read_bytes()
    except OSError:  # not installed as plain files (a zip): ask the import system
        from importlib import resources

        return resources.files(__package__).joinpath(name).read_bytes()


def data_names(folder: str) -> list[str]:
    """Names of the files in a folder of data files (``rules``), sorted."""
    try:
        return sorted(entry.name for entry in (_HERE / folder).iterdir())
    except OSError:
        from importlib import resources

        return sorted(entry.name for entry in resources.files(__package__).joinpath(folder).iterdir())


def parse_yaml(text: str | bytes) -> Any:
    """YAML with libyaml's safe loader when PyYAML was built with it (about 10x faster), else the
    Python one."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def load_yaml(name: str) -> Any:
    """Parse a YAML data file shipped in this package (``ai_catalog.yaml`` ...).  What it parses
    to is kept in the user cache (:func:`aispm.data.cache.compiled`), so PyYAML is imported only
    when a file changed."""
    raw = data_bytes(name)
    return compiled(f"yaml-{name}", [raw], lambda: parse_yaml(raw.decode("utf-8")))
