from aispm.core.model import ScanResult, Severity
from aispm.report import severity_at_least


def test_threshold_against_worst_active_finding(result: ScanResult, empty: ScanResult) -> None:
    assert severity_at_least(result, Severity.CRITICAL)
    assert severity_at_least(result, Severity.INFO)
    assert not severity_at_least(empty, Severity.INFO)


def test_suppressed_findings_do_not_count(result: ScanResult) -> None:
    only_high = ScanResult(
        result.target,
        result.started_at,
        result.finished_at,
        result.inventory,
        tuple(f for f in result.findings if f.severity is Severity.HIGH),
        result.rules,
    )
    assert severity_at_least(only_high, Severity.HIGH)
    suppressed = ScanResult(
        only_high.target,
        only_high.started_at,
        only_high.finished_at,
        only_high.inventory,
        only_high.findings,
        only_high.rules,
        suppressed=frozenset(f.fingerprint for f in only_high.findings),
    )
    assert not severity_at_least(suppressed, Severity.LOW)
