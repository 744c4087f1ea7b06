"""The compiled form of the data files in the cache directory, and the lazy rule registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aispm.data import cache, load_yaml, parse_yaml
from aispm.posture import registry


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_compiled_value_is_built_once_and_read_back(cache_dir: Path) -> None:
    calls: list[int] = []

    def build() -> dict[str, object]:
        calls.append(1)
        return {"a": [1, 2.5, "x", None, True], "b": {"c": "d"}}

    first = cache.compiled("thing", [b"source v1"], build)
    second = cache.compiled("thing", [b"source v1"], build)
    assert first == second == build() and len(calls) == 2  # the second call came from the cache
    assert cache.compiled("thing", [b"source v2"], build) == first and len(calls) == 3  # new input
    assert (cache_dir / "compiled" / "thing.json").is_file()


def test_corrupt_or_foreign_entries_are_rebuilt(cache_dir: Path) -> None:
    entry = cache_dir / "compiled" / "thing.json"
    entry.parent.mkdir(parents=True)
    for junk in ("{broken", "[]", json.dumps({"key": "other", "value": 1})):
        entry.write_text(junk)
        assert cache.compiled("thing", [b"x"], lambda: {"fresh": True}) == {"fresh": True}
    assert json.loads(entry.read_text())["value"] == {"fresh": True}


def test_values_json_cannot_give_back_exactly_are_not_kept(cache_dir: Path) -> None:
    value = {1: "integer key"}
    assert cache.compiled("ints", [b"x"], lambda: value) == value
    assert not (cache_dir / "compiled" / "ints.json").exists()


def test_unwritable_cache_directory_still_gives_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker))
    assert cache.compiled("thing", [b"x"], lambda: [1]) == [1]


def test_load_yaml_from_cache_equals_a_fresh_parse(cache_dir: Path) -> None:
    for name in ("pickle_callables.yaml", "artifact_formats.yaml", "model_provenance.yaml", "posture.yaml"):
        fresh = parse_yaml((Path(registry.__file__).parents[1] / "data" / name).read_text(encoding="utf-8"))
        assert load_yaml(name) == fresh
        assert load_yaml(name) == fresh  # now from the compiled entry


def test_rule_metadata_from_cache_equals_the_validated_files(cache_dir: Path) -> None:
    registry._metadata.cache_clear()
    try:
        parsed = registry._metadata()  # parsed, validated and kept
        assert (cache_dir / "compiled" / "rules.json").is_file()
        registry._metadata.cache_clear()
        assert registry._metadata() == parsed  # read back
        folder = Path(registry.__file__).parents[1] / "data" / "rules"
        files = {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}
        assert parsed == registry._parse_rule_files(files)
    finally:
        registry._metadata.cache_clear()


def test_evaluating_rules_with_a_warm_cache_needs_neither_yaml_nor_pydantic(cache_dir: Path) -> None:
    code = (
        "import sys\n"
        "from aispm.core.model import Inventory\n"
        "from aispm.posture import evaluate, load_policy\n"
        "findings, rules = evaluate(Inventory(), load_policy(None))\n"
        "assert len(rules) > 100, len(rules)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'pydantic'))\n"
        "print(','.join(heavy))\n"
    )
    env = {**os.environ, cache.CACHE_ENV: str(cache_dir)}
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "yaml" in cold.stdout  # the first run parsed and validated the rule files
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == ""
