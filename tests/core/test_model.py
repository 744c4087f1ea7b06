from aispm.core.ids import digest, urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, RelationKind, Severity
from aispm.core.redact import redact


def test_urn_is_stable_and_escapes_separators() -> None:
    a = urn("code", "source_file", "github.com/acme/app", "src/a b.py")
    assert a == urn("code", "source_file", "github.com/acme/app", "src/a b.py")
    assert a == "urn:aispm:code:source_file:github.com/acme/app:src/a%20b.py"
    assert urn("x", "y", "a:b") != urn("x", "y", "a", "b")


def test_finding_fingerprint_ignores_location_and_message() -> None:
    f1 = Finding("R1", "urn:a", Severity.HIGH, "one", discriminator="call")
    f2 = Finding("R1", "urn:a", Severity.LOW, "two", discriminator="call")
    f3 = Finding("R1", "urn:a", Severity.HIGH, "one", discriminator="other")
    assert f1.fingerprint == f2.fingerprint != f3.fingerprint
    assert len(f1.fingerprint) == 32 == len(digest("x", length=32))


def test_inventory_merges_assets_and_dedupes_edges() -> None:
    inv = Inventory()
    inv.add(Asset("urn:s", AssetKind.SECRET, "k", "openai", properties={"locations": [{"path": "a"}]}))
    merged = inv.add(
        Asset("urn:s", AssetKind.SECRET, "k", "openai", properties={"locations": [{"path": "b"}], "x": 1})
    )
    assert merged.properties["locations"] == [{"path": "a"}, {"path": "b"}]
    assert merged.properties["x"] == 1
    inv.relate("urn:f", RelationKind.CONTAINS, "urn:s")
    inv.relate("urn:f", RelationKind.CONTAINS, "urn:s")
    assert len(inv.relationships) == 1
    assert [r.target for r in inv.outgoing("urn:f")] == ["urn:s"]
    assert [r.source for r in inv.incoming("urn:s", RelationKind.CONTAINS)] == ["urn:f"]
    assert list(inv.incoming("urn:s", RelationKind.USES)) == []


def test_inventory_by_kind_and_provider_sees_merged_assets_in_insertion_order() -> None:
    inv = Inventory()
    inv.add(Asset("urn:m1", AssetKind.MODEL, "m1", "aws"))
    inv.add(Asset("urn:s", AssetKind.SECRET, "k", "openai"))
    inv.add(Asset("urn:m2", AssetKind.MODEL, "m2", "local"))
    inv.add(Asset("urn:m1", AssetKind.MODEL, "m1", "aws", properties={"later": True}))
    assert [a.id for a in inv.of_kind(AssetKind.MODEL)] == ["urn:m1", "urn:m2"]
    assert next(inv.of_kind(AssetKind.MODEL)).properties == {"later": True}
    assert [a.id for a in inv.of_kind(AssetKind.SECRET, AssetKind.MODEL)] == ["urn:m1", "urn:s", "urn:m2"]
    assert [a.id for a in inv.of_provider("aws")] == ["urn:m1"]
    assert list(inv.of_kind(AssetKind.DATASET)) == list(inv.of_provider("gcp")) == []


def test_severity_order_and_parse() -> None:
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.INFO.rank
    assert Severity.parse(" High ") is Severity.HIGH


def test_redact_keeps_prefix_and_tail_only() -> None:
    key = "sk-proj-" + "A1b2C3d4" * 5 + "WXYZ"
    shown = redact(key)
    assert shown == "sk-proj-…WXYZ"
    assert "A1b2" not in shown
    assert redact("short") == "*****"
