"""The ``--fail-on`` gate: does a scan hold an unsuppressed finding at or above a severity?"""

from __future__ import annotations

from aispm.core.model import ScanResult, Severity


def severity_at_least(result: ScanResult, threshold: Severity) -> bool:
    """True when an active (unsuppressed) finding has ``threshold`` severity or a worse one."""
    return any(f.severity.rank >= threshold.rank for f in result.active_findings())
