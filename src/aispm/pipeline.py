"""One scan end to end: discover every target, merge the inventories, evaluate the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aispm.advisories import AdvisoryDB
from aispm.core.model import Inventory, ScanResult
from aispm.discover.base import Progress, no_progress
from aispm.discover.code.analyzers import AnalyzerFactory
from aispm.discover.code.collector import RepositoryCollector, default_jobs
from aispm.posture import Policy, evaluate, load_policy

POLICY_FILE_NAME = ".aispm.yaml"


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What to scan and with which policy and advisory data."""

    targets: Sequence[Path]
    policy_path: Path | None = None
    """A policy file; default: ``.aispm.yaml`` in the first target, else built-in defaults."""
    advisories_path: Path | None = None
    """OSV advisories (directory or zip); default: the last ``aispm db update`` download."""
    jobs: int = 0
    """Worker processes for large repositories; 0 means one per available CPU."""


@dataclass(slots=True)
class ScanNotices:
    """Things the user should know that are not problems with the scanned input."""

    messages: list[str] = field(default_factory=list)


def resolve_policy(options: ScanOptions) -> tuple[Policy, Path | None]:
    """The policy to apply and the file it came from (None for built-in defaults)."""
    if options.policy_path is not None:
        return load_policy(options.policy_path), options.policy_path
    for target in options.targets:
        candidate = target / POLICY_FILE_NAME
        if candidate.is_file():
            return load_policy(candidate), candidate
    return load_policy(None), None


def load_advisories(options: ScanOptions, notices: ScanNotices) -> AdvisoryDB | None:
    if options.advisories_path is not None:
        return AdvisoryDB.load(options.advisories_path)
    db = AdvisoryDB.load_default()
    if db is None:
        notices.messages.append(
            "No vulnerability advisories are installed, so AI libraries were not checked for known "
            "vulnerabilities. Run `aispm db update` (online) or pass `--advisories DIR`."
        )
    return db


def run_scan(
    options: ScanOptions,
    progress: Progress = no_progress,
    notices: ScanNotices | None = None,
) -> ScanResult:
    """Discover, then evaluate.  Target errors raise; problems inside targets become warnings."""
    notices = notices if notices is not None else ScanNotices()
    started = _now()
    policy, _ = resolve_policy(options)
    advisories = load_advisories(options, notices)
    factory = AnalyzerFactory(options.advisories_path, advisories)
    jobs = options.jobs or default_jobs()
    collectors = [RepositoryCollector(t, factory, jobs=jobs) for t in options.targets]
    for collector in collectors:
        collector.check_target()
    inventory = Inventory()
    for collector in collectors:
        inventory.extend(collector.collect(progress))
    findings, rules = evaluate(inventory, policy)
    return ScanResult(
        target=", ".join(str(t) for t in options.targets),
        started_at=started,
        finished_at=_now(),
        inventory=inventory,
        findings=tuple(findings),
        rules=rules,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
