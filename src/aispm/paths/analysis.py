"""The attack-path analysis of one scan, and its toxic-combination raises applied to the findings.

``aispm scan`` reports findings with the severity a toxic combination raised them to (and gates
``--fail-on`` on it); the HTML report draws the paths.  Both use :func:`analyse`, which works from
the findings as their rules reported them (a result whose findings were already raised gives the
same analysis) and remembers the last results it analysed, so one scan is searched once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aispm.core.model import Finding, ScanResult
from aispm.paths.graph import AttackGraph, build_from_inventory
from aispm.paths.search import DEFAULT_MAX_DEPTH, AttackPath, find_paths
from aispm.paths.toxic import escalated_findings, original

_REMEMBERED = 4


@dataclass(frozen=True, slots=True)
class PathAnalysis:
    """The graph of a scan, every attack path found in it and the findings raised."""

    graph: AttackGraph
    paths: list[AttackPath]
    """Highest score first (every path kept by the search, no display limit)."""
    escalated: dict[str, Finding]
    """Fingerprint -> the finding with its raised severity and the reasons in its evidence."""


_recent: list[tuple[ScanResult, PathAnalysis]] = []


def analyse(result: ScanResult) -> PathAnalysis:
    """The attack paths of ``result`` and the findings their toxic combinations raise."""
    for seen, analysis in _recent:
        if seen is result:
            return analysis
    findings = [original(f) for f in result.active_findings()]
    graph = build_from_inventory(result.inventory, findings)
    paths = find_paths(graph, max_depth=DEFAULT_MAX_DEPTH, max_paths=None)
    analysis = PathAnalysis(graph, paths, {f.fingerprint: f for f in escalated_findings(paths)})
    _remember(result, analysis)
    return analysis


def with_escalations(result: ScanResult) -> ScanResult:
    """``result`` with every finding a toxic combination raises at its raised severity (the
    original severity and the reasons in its evidence); the same object when nothing is raised."""
    analysis = analyse(result)
    findings = tuple(analysis.escalated.get(f.fingerprint) or original(f) for f in result.findings)
    if all(a is b for a, b in zip(findings, result.findings, strict=True)):
        return result
    raised = replace(result, findings=findings)
    _remember(raised, analysis)
    return raised


def _remember(result: ScanResult, analysis: PathAnalysis) -> None:
    _recent.insert(0, (result, analysis))
    del _recent[_REMEMBERED:]
