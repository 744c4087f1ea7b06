"""One scan of several targets merges their inventories: a model or endpoint several repositories
use keeps ``from_env_vars`` sorted and unique, whatever the order of the targets."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind, ScanWarning
from aispm.pipeline import ScanOptions, merge_inventories, run_scan

MODEL = urn("model", "model", "openai", "gpt-4o")
ENDPOINT = urn("endpoint", "model_endpoint", "https://gateway.example.com/v1")


def _part(repo: str, model_vars: list[str], endpoint_vars: list[str] | None = None) -> Inventory:
    src = urn("code", "source_file", repo, "app.py")
    inv = Inventory()
    inv.add(Asset(src, AssetKind.SOURCE_FILE, "app.py", "local", source="code"))
    props = {"provider": "openai", "model": "gpt-4o", "from_env_vars": model_vars}
    inv.add(Asset(MODEL, AssetKind.MODEL, "gpt-4o", "openai", properties=props, source="code"))
    inv.relate(src, RelationKind.INVOKES, MODEL, from_env=model_vars[0])
    if endpoint_vars is not None:
        url = "https://gateway.example.com/v1"
        props = {"url": url, "from_env_vars": endpoint_vars}
        inv.add(Asset(ENDPOINT, AssetKind.MODEL_ENDPOINT, url, "openai", properties=props))
    inv.warn(repo, f"warning of {repo}")
    return inv


def test_merged_from_env_vars_are_sorted_and_unique() -> None:
    first = _part("a", ["ZETA_MODEL", "OPENAI_MODEL"], ["OPENAI_BASE_URL"])
    second = _part("b", ["ALPHA_MODEL", "OPENAI_MODEL"])
    third = _part("c", ["MID_MODEL"], ["BASE_URL", "OPENAI_BASE_URL"])
    merged = merge_inventories([first, second, third])
    model, endpoint = merged.get(MODEL), merged.get(ENDPOINT)
    assert model is not None and endpoint is not None
    assert model.properties["from_env_vars"] == ["ALPHA_MODEL", "MID_MODEL", "OPENAI_MODEL", "ZETA_MODEL"]
    assert endpoint.properties["from_env_vars"] == ["BASE_URL", "OPENAI_BASE_URL"]
    # the rest merges as Inventory.extend does: first asset's fields, every edge and warning
    assert model.properties["provider"] == "openai"
    assert {r.source for r in merged.incoming(MODEL, RelationKind.INVOKES)} == {
        urn("code", "source_file", repo, "app.py") for repo in "abc"
    }
    assert [w.message for w in merged.warnings] == ["warning of a", "warning of b", "warning of c"]
    assert all(isinstance(w, ScanWarning) for w in merged.warnings)
    # the parts are left as they were
    original = first.get(MODEL)
    assert original is not None and original.properties["from_env_vars"] == ["ZETA_MODEL", "OPENAI_MODEL"]


def test_target_order_does_not_change_the_merge() -> None:
    parts = [_part("a", ["OPENAI_MODEL"]), _part("b", ["CHAT_MODEL"])]
    forward, backward = merge_inventories(parts), merge_inventories(parts[::-1])
    for merged in (forward, backward):
        model = merged.get(MODEL)
        assert model is not None and model.properties["from_env_vars"] == ["CHAT_MODEL", "OPENAI_MODEL"]


def test_scan_of_two_repositories(tmp_path: Path) -> None:
    """End to end: two checkouts read the same model from different variables."""
    for repo, variable in (("svc-b", "OPENAI_MODEL"), ("svc-a", "CHAT_MODEL")):
        (tmp_path / repo).mkdir()
        code = f"""
            import os
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model=os.getenv("{variable}", "gpt-4o"), messages=[])
            """
        (tmp_path / repo / "app.py").write_text(textwrap.dedent(code))
    result = run_scan(ScanOptions(targets=[tmp_path / "svc-b", tmp_path / "svc-a"], jobs=1))
    model = result.inventory.get(MODEL)
    assert model is not None
    assert model.properties["from_env_vars"] == ["CHAT_MODEL", "OPENAI_MODEL"]
