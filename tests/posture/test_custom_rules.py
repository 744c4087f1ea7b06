"""Custom YAML rules: every operator, combinators, and clear errors for bad rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, Location, Severity
from aispm.posture import PolicyError, evaluate, load_policy
from aispm.posture.policy import policy_from_dict


def model(name: str, provider: str = "openai", **props: Any) -> Asset:
    return Asset(
        urn("model", "model", provider, name),
        AssetKind.MODEL,
        name,
        provider,
        Location("src/app.py"),
        {"provider": provider, "model": name, **props},
    )


INV = Inventory.of(
    [
        model(
            "gpt-3.5-turbo",
            revision=None,
            size=200_000_000,
            caps=["shell", "net"],
            meta={"org": {"team": "ml"}},
        ),
        model("gpt-4o", revision="abc", size=10, caps=["net"], meta={"org": {"team": "web"}}),
        model("claude-3-5-sonnet", provider="anthropic", size="big"),
        Asset(
            urn("code", "tool", "r", "a.py", "run"),
            AssetKind.TOOL,
            "run",
            "local",
            None,
            {"capabilities": ["shell"]},
        ),
    ]
)


def matched(match: dict[str, Any]) -> set[str]:
    rule = {"id": "ACME-001", "title": "Test rule", "severity": "medium", "match": match}
    findings, rules = evaluate(INV, policy_from_dict({"custom_rules": [rule]}))
    assert "ACME-001" in rules
    return {f.asset_id.rsplit(":", 1)[-1] for f in findings if f.rule_id == "ACME-001"}


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        (
            {"kind": "model", "where": [{"property": "provider", "equals": "openai"}]},
            {"gpt-3.5-turbo", "gpt-4o"},
        ),
        ({"kind": "model", "where": [{"property": "model", "matches": "gpt-3.5*"}]}, {"gpt-3.5-turbo"}),
        (
            {"kind": "model", "where": [{"property": "revision", "is_missing": True}]},
            {"gpt-3.5-turbo", "claude-3-5-sonnet"},
        ),
        ({"kind": "model", "where": [{"property": "revision", "is_missing": False}]}, {"gpt-4o"}),
        ({"where": [{"property": "caps", "contains": "shell"}]}, {"gpt-3.5-turbo"}),
        ({"where": [{"property": "capabilities", "contains": "shell"}]}, {"run"}),
        ({"where": [{"property": "size", "greater_than": 100_000_000}]}, {"gpt-3.5-turbo"}),
        ({"where": [{"property": "size", "less_than": 100}]}, {"gpt-4o"}),
        ({"where": [{"property": "name", "regex": "^claude-3"}]}, {"claude-3-5-sonnet"}),
        ({"where": [{"property": "model", "in": ["gpt-4o", "nope"]}]}, {"gpt-4o"}),
        ({"where": [{"property": "meta.org.team", "equals": "ml"}]}, {"gpt-3.5-turbo"}),
        ({"kind": ["model"], "provider": "anth*"}, {"claude-3-5-sonnet"}),
        ({"kind": "tool"}, {"run"}),
        (
            {
                "kind": "model",
                "any_of": [{"provider": "anthropic"}, {"where": [{"property": "size", "less_than": 20}]}],
            },
            {"claude-3-5-sonnet", "gpt-4o"},
        ),
        (
            {"all_of": [{"kind": "model"}, {"where": [{"property": "provider", "equals": "openai"}]}]},
            {"gpt-3.5-turbo", "gpt-4o"},
        ),
        ({"kind": "model", "not": {"provider": "openai"}}, {"claude-3-5-sonnet"}),
    ],
)
def test_operators(match: dict[str, Any], expected: set[str]) -> None:
    assert matched(match) == expected


def test_finding_shape_and_metadata() -> None:
    rule = {
        "id": "ACME-002",
        "title": "No GPT-3.5",
        "severity": "High",
        "owasp_llm": ["LLM09:2025"],
        "match": {"kind": "model", "where": [{"property": "model", "matches": "gpt-3.5*"}]},
    }
    findings, rules = evaluate(INV, policy_from_dict({"custom_rules": [rule]}))
    mine = [f for f in findings if f.rule_id == "ACME-002"]
    assert len(mine) == 1
    assert mine[0].severity == Severity.HIGH
    assert mine[0].evidence == {"model": "gpt-3.5-turbo"}
    assert "gpt-3.5-turbo" in mine[0].message and "src/app.py" in mine[0].message
    assert rules["ACME-002"].asset_kinds == (AssetKind.MODEL,)


def test_custom_rule_files_are_relative_to_policy(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.yaml").write_text(
        "rules:\n  - id: ACME-010\n    title: any tool\n    severity: low\n    match: {kind: tool}\n"
    )
    (tmp_path / ".aispm.yaml").write_text("custom_rule_files: [rules/acme.yaml]\n")
    policy = load_policy(tmp_path / ".aispm.yaml")
    findings, _ = evaluate(INV, policy)
    assert [f.rule_id for f in findings if f.rule_id.startswith("ACME")] == ["ACME-010"]


def _error(rule: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as info:
        policy_from_dict({"custom_rules": [rule]}, source="p.yaml")
    return str(info.value)


def base(**match: Any) -> dict[str, Any]:
    return {"id": "ACME-003", "title": "t", "severity": "low", "match": match}


def test_unknown_operator_is_named() -> None:
    msg = _error(base(where=[{"property": "model", "startswith": "gpt"}]))
    assert "p.yaml" in msg and "rule ACME-003" in msg and "custom_rules[0].match.where[0]" in msg
    assert "unknown operator 'startswith'" in msg and "equals" in msg


def test_bad_regex_is_named() -> None:
    msg = _error(base(where=[{"property": "model", "regex": "gpt-(4"}]))
    assert "rule ACME-003" in msg and "where[0]" in msg and "invalid regular expression" in msg


def test_two_operators_rejected() -> None:
    assert "exactly one operator" in _error(base(where=[{"property": "m", "equals": 1, "matches": "x"}]))


def test_bad_kind_severity_and_ids() -> None:
    assert "match.kind" in _error(base(kind="spaceship"))
    assert "severity" in _error({**base(), "severity": "urgent"})
    assert "field 'custom_rules[0].id'" in _error({**base(), "id": "bad id!"})
    assert "built-in" in _error({**base(), "id": "AISPM-SEC-001"})
    assert "OWASP" in _error({**base(), "owasp_llm": ["LLM11:2025"]})
    assert "ATLAS" in _error({**base(), "mitre_atlas": ["T1059"]})
    assert "match" in _error({"id": "ACME-004", "title": "t", "severity": "low"})


def test_malformed_rule_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- id: ACME-005\n  title: [unclosed\n")
    (tmp_path / "p.yaml").write_text("custom_rule_files: [bad.yaml]\n")
    with pytest.raises(PolicyError, match=r"bad\.yaml: not valid YAML"):
        load_policy(tmp_path / "p.yaml")
    (tmp_path / "bad.yaml").write_text(
        "- id: ACME-005\n  title: x\n  severity: low\n  match: {kind: model, oops: 1}\n"
    )
    with pytest.raises(PolicyError, match=r"bad\.yaml: rule #1 \(ACME-005\): field 'match\.oops'"):
        load_policy(tmp_path / "p.yaml")
    (tmp_path / "bad.yaml").write_text("just text\n")
    with pytest.raises(PolicyError, match="expected a list of rules"):
        load_policy(tmp_path / "p.yaml")
    (tmp_path / "p.yaml").write_text("custom_rule_files: [missing.yaml]\n")
    with pytest.raises(PolicyError, match=r"missing\.yaml: cannot read"):
        load_policy(tmp_path / "p.yaml")
