"""Every built-in rule has complete, well-formed metadata and exactly one check."""

from __future__ import annotations

import re

import pytest

from aispm.core.model import RuleMeta, Severity
from aispm.posture import RuleDataError, builtin_rules, registry

OWASP = re.compile(r"^(LLM0\d|LLM10):2025$")
ATLAS = re.compile(r"^AML\.(T|M)\d{4}(\.\d{3})?$")
RULES = builtin_rules()


def test_at_least_28_rules_with_unique_ids() -> None:
    assert len(RULES) >= 28
    assert len({r.id for r in RULES}) == len(RULES)


def test_checks_and_metadata_correspond() -> None:
    assert set(registry.checks()) == {r.id for r in RULES}
    registry.verify()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_metadata_is_complete(rule: RuleMeta) -> None:
    assert registry.BUILTIN_ID.match(rule.id)
    assert isinstance(rule.severity, Severity)
    assert len(rule.title) > 10
    assert len(rule.rationale) > 80 and len(rule.remediation) > 40
    assert rule.owasp_llm and all(OWASP.match(i) for i in rule.owasp_llm)
    assert rule.mitre_atlas and all(ATLAS.match(i) for i in rule.mitre_atlas)
    assert rule.asset_kinds and rule.tags and rule.references
    assert callable(registry.checks()[rule.id])


def test_verify_reports_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._CHECKS, "AISPM-SEC-999", lambda inv, policy: [])
    with pytest.raises(RuleDataError, match=r"checks without metadata.*AISPM-SEC-999"):
        registry.verify()


def test_malformed_rule_file_names_file_rule_and_field() -> None:
    text = "- id: AISPM-SEC-900\n  title: x title\n  severity: severe\n  rationale: r\n  remediation: r\n"
    with pytest.raises(
        RuleDataError, match=r"data/rules/x\.yaml: rule #1 \(AISPM-SEC-900\): field 'severity'"
    ):
        registry.parse_rule_file(text, "data/rules/x.yaml")
    with pytest.raises(RuleDataError, match="field 'rationale' must not be empty"):
        registry.parse_rule_file(text.replace("severe", "low").replace("rationale: r", "rationale: ''"), "f")
    with pytest.raises(RuleDataError, match="not of the form"):
        registry.parse_rule_file(text.replace("severe", "low").replace("AISPM-SEC-900", "X-1"), "f")
    with pytest.raises(RuleDataError, match="not valid YAML"):
        registry.parse_rule_file("- [", "f")


def test_duplicate_check_registration_fails() -> None:
    with pytest.raises(RuleDataError, match="two checks"):
        registry.check("AISPM-SEC-001")(lambda inv, policy: [])
