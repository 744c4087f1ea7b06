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
        properties={"vendor": "OpenAI", "catalog_id": "openai"},
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
