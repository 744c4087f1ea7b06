"""The ``--fail-on`` gate: does a scan hold an unsuppressed finding at or above a severity?"""

from __future__ import annotations

from aispm.core.model import ScanResult, Severity


def severity_at_least(result: ScanResult, threshold: Severity) -> bool:
    """True when an active (unsuppressed) finding has ``threshold`` severity or a worse one, counting
    the severity a toxic combination on an attack path raised it to (docs/attack-paths.md)."""
    if any(f.severity.rank >= threshold.rank for f in result.active_findings()):
        return True
    if not result.active_findings():
        return False
    from aispm.paths.analysis import with_escalations

    raised = with_escalations(result)
    return any(f.severity.rank >= threshold.rank for f in raised.active_findings())
