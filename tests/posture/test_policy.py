"""The policy file: defaults, validation, and how evaluate() applies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, Location, Severity
from aispm.posture import Policy, PolicyError, evaluate, load_policy, registry
from aispm.posture.policy import policy_from_dict


def test_defaults() -> None:
    policy = load_policy(None)
    assert policy == Policy()
    assert policy.max_agent_tools == 15 and not policy.approved_providers and not policy.disabled_rules


def test_full_file(tmp_path: Path) -> None:
    path = tmp_path / ".aispm.yaml"
    path.write_text(
        "approved_providers: [openai, anthropic]\n"
        "approved_models: ['gpt-4o*', 'claude-*']\n"
        "banned_model_formats: [pickle]\n"
        "allowed_mcp_launchers: [docker]\n"
        "max_agent_tools: 8\n"
        "disabled_rules: [AISPM-GOV-006]\n"
        "severity_overrides: {AISPM-SUP-005: HIGH}\n"
    )
    policy = load_policy(path)
    assert policy.approved_models == ("gpt-4o*", "claude-*")
    assert policy.severity_overrides == {"AISPM-SUP-005": Severity.HIGH}
    assert policy.approves_provider("OpenAI") and not policy.approves_provider("mistral")


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("")
    assert load_policy(tmp_path / "p.yaml") == Policy()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "approved_provider: [openai]\n",
            "unknown setting(s) approved_provider; allowed settings: approved_providers",
        ),
        ("banned_model_formats: [pkl]\n", "field 'banned_model_formats': unknown model format 'pkl'"),
        ("disabled_rules: [AISPM-NOPE-001]\n", "unknown rule id 'AISPM-NOPE-001'"),
        ("severity_overrides: {AISPM-SEC-001: urgent}\n", "severity_overrides"),
        ("max_agent_tools: 0\n", "field 'max_agent_tools'"),
        ("approved_models: gpt-4o\n", "field 'approved_models'"),
        ("- a\n- b\n", "expected a mapping"),
        ("key: [unclosed\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_field(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def _service() -> Inventory:
    return Inventory.of(
        [
            Asset(
                urn("code", "ai_service", "openai"),
                AssetKind.AI_SERVICE,
                "OpenAI",
                "openai",
                Location("a.py"),
            )
        ]
    )


def test_disabled_rules_are_skipped() -> None:
    findings, rules = evaluate(_service(), policy_from_dict({"disabled_rules": ["AISPM-GOV-006"]}))
    assert "AISPM-GOV-006" not in rules
    assert not [f for f in findings if f.rule_id == "AISPM-GOV-006"]
    assert len(rules) == len(registry.metadata()) - 1


def test_severity_override_applies_to_rule_and_findings() -> None:
    findings, rules = evaluate(
        _service(), policy_from_dict({"severity_overrides": {"AISPM-GOV-006": "high"}})
    )
    assert rules["AISPM-GOV-006"].severity == Severity.HIGH
    assert [f.severity for f in findings if f.rule_id == "AISPM-GOV-006"] == [Severity.HIGH]


def test_failing_rule_becomes_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(inv: Inventory, policy: Policy) -> list[object]:
        raise RuntimeError("kaput")

    monkeypatch.setitem(registry._CHECKS, "AISPM-GOV-006", boom)
    inv = _service()
    _findings, rules = evaluate(inv, Policy())
    assert "AISPM-GOV-006" in rules
    assert [w.source for w in inv.warnings] == ["posture"]
    assert "AISPM-GOV-006" in inv.warnings[0].message and "kaput" in inv.warnings[0].message


def test_policy_and_its_validation_schema_have_the_same_fields_and_defaults() -> None:
    import dataclasses

    from aispm.posture.policy_schema import PolicySchema

    fields = [f.name for f in dataclasses.fields(Policy)]
    assert fields == list(PolicySchema.model_fields)
    schema_defaults = PolicySchema()
    assert {name: getattr(Policy(), name) for name in fields} == {
        name: getattr(schema_defaults, name) for name in fields
    }


def test_policy_built_in_code_is_validated_like_a_file() -> None:
    from pydantic import ValidationError

    policy = Policy(banned_model_formats=["onnx"], severity_overrides={"AISPM-SUP-001": "low"})  # type: ignore[arg-type]
    assert policy.banned_model_formats == ("onnx",)
    assert policy.severity_overrides == {"AISPM-SUP-001": Severity.LOW}
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Policy(max_agent_tools=0)
    with pytest.raises(ValidationError, match="unknown model format"):
        Policy(banned_model_formats=("exe",))


def test_default_policy_does_not_need_pydantic() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from aispm.posture.policy import load_policy\n"
        "load_policy(None)\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
