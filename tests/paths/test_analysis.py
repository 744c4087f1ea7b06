"""The analysis of a scan and its toxic-combination raises: what ``aispm scan`` reports and gates on."""

from __future__ import annotations

import dataclasses

from aispm.core.model import Severity
from aispm.paths.analysis import analyse, with_escalations
from aispm.paths.toxic import escalation_reasons, original, original_severity
from aispm.report.gate import severity_at_least

from .estate import build


def test_raises_the_combined_findings_and_keeps_the_rest() -> None:
    result = build()
    raised = with_escalations(result)
    assert raised is not result
    rules = {f.rule_id: f for f in raised.findings}
    for rule in ("AISPM-AWS-044", "AISPM-AWS-040"):
        assert rules[rule].severity == Severity.CRITICAL
        assert original_severity(rules[rule]) == Severity.MEDIUM
        assert escalation_reasons(rules[rule])[0].startswith("public-inference-broad-role: ")
    # the leaked AWS key reaches training data, but no broad role on that path: not raised
    assert rules["AISPM-SEC-001"].severity == Severity.MEDIUM
    assert escalation_reasons(rules["AISPM-SEC-001"]) == []
    # the input is not changed
    assert {f.severity for f in result.findings} == {Severity.MEDIUM}


def test_raising_twice_gives_the_same_result() -> None:
    raised = with_escalations(build())
    assert with_escalations(raised) is raised
    again = with_escalations(dataclasses.replace(raised))  # a copy: analysed afresh
    assert [(f.rule_id, f.severity, dict(f.evidence)) for f in again.findings] == [
        (f.rule_id, f.severity, dict(f.evidence)) for f in raised.findings
    ]
    # the analysis starts from the rules' severities, so the paths record the same raises
    assert [p.escalations for p in analyse(again).paths] == [p.escalations for p in analyse(build()).paths]
    assert [original(f) for f in raised.findings] == list(build().findings)


def test_suppressed_findings_take_no_part() -> None:
    result = build()
    broad = next(f for f in result.findings if f.rule_id == "AISPM-AWS-040")
    muted = dataclasses.replace(result, suppressed=frozenset({broad.fingerprint}))
    assert with_escalations(muted) is muted
    assert not severity_at_least(muted, Severity.CRITICAL)


def test_gate_counts_raised_severities() -> None:
    assert severity_at_least(build(), Severity.CRITICAL)  # two mediums, critical together
    assert not severity_at_least(build(public_url=False), Severity.CRITICAL)
    assert severity_at_least(build(public_url=False), Severity.MEDIUM)
    assert not severity_at_least(build(public_url=False), Severity.HIGH)


def test_analysis_is_remembered_per_result() -> None:
    result = build()
    assert analyse(result) is analyse(result)
    assert analyse(with_escalations(result)) is analyse(result)
    assert analyse(build()) is not analyse(result)
