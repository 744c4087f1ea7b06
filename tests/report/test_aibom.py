"""The CycloneDX 1.6 AI-BOM: validated against the schema cyclonedx-python-lib ships."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, Location, RelationKind, ScanResult
from aispm.pipeline import ScanOptions, run_scan
from aispm.report.aibom import render_bom

ESTATE = Path(__file__).resolve().parents[2] / "examples" / "estate"
REPO = "github.com/acme/app"
SHA = "ab" * 32


def _validate(text: str) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error


def _inventory() -> Inventory:
    repo = Asset(urn("code", "repository", REPO), AssetKind.REPOSITORY, REPO, "local", Location(path="."))
    src = Asset(urn("code", "source_file", REPO, "app.py"), AssetKind.SOURCE_FILE, "app.py", "local")
    artifact = Asset(
        urn("code", "model_artifact", REPO, "models/clf.safetensors"),
        AssetKind.MODEL_ARTIFACT,
        "models/clf.safetensors",
        "local",
        Location(path="models/clf.safetensors"),
        {
            "format": "safetensors",
            "size": 100,
            "sha256": SHA,
            "scan": {"verdict": "clean", "issues": [], "members": []},
            "provenance": {
                "license": "apache-2.0",
                "base_model": ["bert-base-uncased"],
                "datasets": ["squad"],
                "pipeline_tag": "text-classification",
                "model_type": "bert",
                "architectures": ["BertForSequenceClassification"],
                "hub_repo": "acme/clf",
                "revision": "0" * 40,
                "model_card": "README.md",
                "signature": {"status": "absent"},
            },
        },
    )
    model = Asset(
        urn("model", "model", "openai", "gpt-4o"),
        AssetKind.MODEL,
        "gpt-4o",
        "openai",
        properties={"provider": "openai", "model": "gpt-4o"},
    )
    service = Asset(
        urn("code", "ai_service", "openai"),
        AssetKind.AI_SERVICE,
        "OpenAI API",
        "openai",
        properties={"vendor": "openai", "catalog_id": "openai"},
    )
    endpoint = Asset(
        urn("endpoint", "model_endpoint", "http://localhost:11434"),
        AssetKind.MODEL_ENDPOINT,
        "http://localhost:11434",
        "local",
        properties={"url": "http://localhost:11434", "local": True},
    )
    package = Asset(
        urn("package", "package", "pkg:pypi/openai@1.40.0"),
        AssetKind.PACKAGE,
        "openai",
        "pypi",
        properties={"ecosystem": "PyPI", "name": "openai", "version": "1.40.0", "ai": True},
    )
    not_ai = Asset(
        urn("package", "package", "pkg:pypi/requests@2.32.0"),
        AssetKind.PACKAGE,
        "requests",
        "pypi",
        properties={"ecosystem": "PyPI", "name": "requests", "version": "2.32.0", "ai": False},
    )
    secret = Asset(urn("secret", "secret", "openai", "abcd"), AssetKind.SECRET, "key", "openai")
    inv = Inventory.of([repo, src, artifact, model, service, endpoint, package, not_ai, secret])
    inv.relate(repo.id, RelationKind.CONTAINS, src.id)
    inv.relate(repo.id, RelationKind.CONTAINS, artifact.id)
    inv.relate(src.id, RelationKind.INVOKES, model.id)
    inv.relate(src.id, RelationKind.USES, service.id)
    inv.relate(src.id, RelationKind.CONNECTS_TO, endpoint.id)
    inv.relate(src.id, RelationKind.LOADS, artifact.id)
    inv.relate(repo.id, RelationKind.DEPENDS_ON, package.id)
    inv.relate(repo.id, RelationKind.DEPENDS_ON, not_ai.id)
    return inv


def _result(inv: Inventory) -> ScanResult:
    return ScanResult("app", "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:01+00:00", inv, (), {}, "7")


def test_json_bom_is_valid_cyclonedx_1_6_with_model_card() -> None:
    text = render_bom(_result(_inventory()))
    _validate(text)
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    components = {c["bom-ref"]: c for c in doc["components"]}
    artifact = components[urn("code", "model_artifact", REPO, "models/clf.safetensors")]
    assert artifact["type"] == "machine-learning-model"
    assert artifact["hashes"] == [{"alg": "SHA-256", "content": SHA}]
    assert artifact["purl"] == "pkg:huggingface/acme/clf@" + "0" * 40
    card = artifact["modelCard"]["modelParameters"]
    assert (
        card["task"] == "text-classification" and card["modelArchitecture"] == "BertForSequenceClassification"
    )
    dataset_ref = card["datasets"][0]["ref"]
    assert (
        components[dataset_ref]["type"] == "data" and components[dataset_ref]["data"][0]["type"] == "dataset"
    )
    package = components[urn("package", "package", "pkg:pypi/openai@1.40.0")]
    assert package["type"] == "library" and package["purl"] == "pkg:pypi/openai@1.40.0"
    # only AI things: no plain dependency, no secret, no source file
    refs = set(components)
    assert urn("package", "package", "pkg:pypi/requests@2.32.0") not in refs
    assert not any(":secret:" in r or ":source_file:" in r for r in refs)
    services = {s["bom-ref"]: s for s in doc["services"]}
    assert services[urn("endpoint", "model_endpoint", "http://localhost:11434")]["endpoints"] == [
        "http://localhost:11434"
    ]
    # edges from app.py are attributed to its repository
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    repo_deps = deps[urn("code", "repository", REPO)]
    assert urn("model", "model", "openai", "gpt-4o") in repo_deps
    assert urn("code", "ai_service", "openai") in repo_deps
    assert dataset_ref in deps[artifact["bom-ref"]]


def test_validator_is_a_real_check() -> None:
    doc = json.loads(render_bom(_result(_inventory())))
    doc["components"][0]["type"] = "spaceship"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None


def test_xml_bom_parses_and_lists_the_models() -> None:
    text = render_bom(_result(_inventory()), "cyclonedx-xml")
    root = ET.fromstring(text)
    assert root.tag == "{http://cyclonedx.org/schema/bom/1.6}bom"
    types = [c.get("type") for c in root.iter("{http://cyclonedx.org/schema/bom/1.6}component")]
    assert "machine-learning-model" in types and "data" in types


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="cyclonedx-json"):
        render_bom(_result(Inventory()), "spdx")


def test_bom_of_the_example_estate_scan_is_valid() -> None:
    result = run_scan(ScanOptions(targets=[ESTATE]))
    text = render_bom(result)
    _validate(text)
    doc = json.loads(text)
    kinds = {
        p["value"] for c in doc["components"] for p in c.get("properties", []) if p["name"] == "aispm:kind"
    }
    assert {"model_artifact", "model", "repository"} <= kinds
    artifacts = [c for c in doc["components"] if c["name"] == "models/classifier.pt"]
    assert artifacts and artifacts[0]["type"] == "machine-learning-model"


def _gateway_inventory() -> Inventory:
    """The base inventory plus what repository discovery now writes: endpoint providers that
    follow the host (``openrouter``), ``unknown`` for an endpoint whose SDK cannot be told, and
    the sorted ``from_env_vars`` of a model and an endpoint."""
    inv = _inventory()
    src = urn("code", "source_file", REPO, "app.py")
    router_model = Asset(
        urn("model", "model", "openrouter", "openai/gpt-4o"),
        AssetKind.MODEL,
        "openai/gpt-4o",
        "openrouter",
        properties={
            "provider": "openrouter",
            "model": "openai/gpt-4o",
            "from_env_vars": ["LLM_MODEL", "OPENROUTER_MODEL"],
        },
    )
    router = Asset(
        urn("endpoint", "model_endpoint", "https://openrouter.ai/api/v1"),
        AssetKind.MODEL_ENDPOINT,
        "https://openrouter.ai/api/v1",
        "openrouter",
        properties={"url": "https://openrouter.ai/api/v1", "local": False, "from_env_vars": ["BASE_URL"]},
    )
    unknown = Asset(
        urn("endpoint", "model_endpoint", "https://llm.corp.example/v1"),
        AssetKind.MODEL_ENDPOINT,
        "https://llm.corp.example/v1",
        "unknown",
        properties={"url": "https://llm.corp.example/v1", "local": False},
    )
    unknown_model = Asset(
        urn("model", "model", "unknown", "house-model"),
        AssetKind.MODEL,
        "house-model",
        "unknown",
        properties={"provider": "unknown", "model": "house-model"},
    )
    for asset in (router_model, router, unknown, unknown_model):
        inv.add(asset)
    inv.relate(src, RelationKind.INVOKES, router_model.id, from_env="OPENROUTER_MODEL")
    inv.relate(src, RelationKind.CONNECTS_TO, router.id, from_env="BASE_URL")
    inv.relate(src, RelationKind.CONNECTS_TO, unknown.id)
    inv.relate(src, RelationKind.INVOKES, unknown_model.id)
    return inv


def _values(node: dict[str, object], name: str) -> list[str]:
    props = node.get("properties") or []
    assert isinstance(props, list)
    return [str(p["value"]) for p in props if p["name"] == name]


def test_provider_organisations_and_env_variables() -> None:
    text = render_bom(_result(_gateway_inventory()))
    _validate(text)
    doc = json.loads(text)
    services = {s["bom-ref"]: s for s in doc["services"]}
    components = {c["bom-ref"]: c for c in doc["components"]}
    # the host's provider is the organisation; unknown and local name none
    router = services[urn("endpoint", "model_endpoint", "https://openrouter.ai/api/v1")]
    assert router["provider"] == {"name": "openrouter"}
    unknown = services[urn("endpoint", "model_endpoint", "https://llm.corp.example/v1")]
    assert "provider" not in unknown and _values(unknown, "aispm:kind") == ["model_endpoint"]
    assert "provider" not in services[urn("endpoint", "model_endpoint", "http://localhost:11434")]
    assert services[urn("code", "ai_service", "openai")]["provider"] == {"name": "openai"}
    unknown_model = components[urn("model", "model", "unknown", "house-model")]
    assert "group" not in unknown_model and _values(unknown_model, "aispm:provider") == ["unknown"]
    # one aispm:from_env per variable, none for the list itself
    model = components[urn("model", "model", "openrouter", "openai/gpt-4o")]
    assert model["group"] == "openrouter"
    assert _values(model, "aispm:from_env") == ["LLM_MODEL", "OPENROUTER_MODEL"]
    assert _values(router, "aispm:from_env") == ["BASE_URL"]
    assert not _values(model, "aispm:from_env_vars") and not _values(unknown_model, "aispm:from_env")
    # the XML carries the same repeated properties
    root = ET.fromstring(render_bom(_result(_gateway_inventory()), "cyclonedx-xml"))
    ns = "{http://cyclonedx.org/schema/bom/1.6}"
    xml_model = next(c for c in root.iter(f"{ns}component") if c.get("bom-ref") == model["bom-ref"])
    assert [p.text for p in xml_model.iter(f"{ns}property") if p.get("name") == "aispm:from_env"] == [
        "LLM_MODEL",
        "OPENROUTER_MODEL",
    ]
