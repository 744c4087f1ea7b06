"""One scan end to end: discover every target, merge the inventories, evaluate the rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aispm.advisories import AdvisoryDB
from aispm.core.model import Inventory, ScanResult
from aispm.discover import targets as sources
from aispm.discover.base import Collector, Progress, no_progress
from aispm.discover.code.ai_assets import FROM_ENV_VARS
from aispm.discover.code.analyzers import AnalyzerFactory
from aispm.discover.code.collector import RepositoryCollector, default_jobs
from aispm.posture import Policy, evaluate, load_policy
from aispm.posture.policy import POLICY_FILE_NAME as POLICY_FILE_NAME


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What to scan and with which policy and advisory data."""

    targets: Sequence[Path | str]
    """Paths to scan and source keywords (``aws``; see :mod:`aispm.discover.targets`)."""
    source_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Options of each source by keyword (``{"aws": {"profile": ..., "regions": [...]}}``)."""
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
    for target in path_targets(options):
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
    collectors = make_collectors(options, advisories)
    for collector in collectors:
        check = getattr(collector, "check_target", None)
        if callable(check):
            check()
    inventory = merge_inventories([collector.collect(progress) for collector in collectors])
    link_sources(inventory)
    findings, rules = evaluate(inventory, policy)
    return ScanResult(
        target=", ".join(str(t) for t in options.targets),
        started_at=started,
        finished_at=_now(),
        inventory=inventory,
        findings=tuple(findings),
        rules=rules,
    )


def merge_inventories(parts: Sequence[Inventory]) -> Inventory:
    """One inventory of every target's, in target order.  A model or endpoint several
    repositories use keeps ``from_env_vars`` sorted and without duplicates, as one repository
    writes it (merging only appends the values the first target lacked)."""
    env_vars: dict[str, set[str]] = {}
    for part in parts:
        for asset in part.assets:
            values = asset.properties.get(FROM_ENV_VARS)
            if isinstance(values, list):
                env_vars.setdefault(asset.id, set()).update(str(v) for v in values)
    inventory = Inventory()
    for part in parts:
        for asset in part.assets:
            if asset.id in env_vars:
                properties = {**asset.properties, FROM_ENV_VARS: sorted(env_vars[asset.id])}
                asset = replace(asset, properties=properties)
            inventory.add(asset)
        for rel in part.relationships:
            inventory.add_relationship(rel)
        inventory.warnings.extend(part.warnings)
    return inventory


def link_sources(inventory: Inventory) -> None:
    """Steps that need the whole inventory of every source: effective IAM permissions and
    ``can_assume`` edges (live AWS and IaC identities alike)."""
    from aispm.discover.aws.iam_eval import annotate

    annotate(inventory)


def path_targets(options: ScanOptions) -> list[Path]:
    """The targets that are paths (not source keywords), in order."""
    return [Path(t) for t in options.targets if not sources.is_source(str(t))]


def make_collectors(options: ScanOptions, advisories: AdvisoryDB | None) -> list[Collector]:
    """One collector per target: a source keyword's collector or the repository collector."""
    factory = AnalyzerFactory(options.advisories_path, advisories)
    jobs = options.jobs or default_jobs()
    collectors: list[Collector] = []
    for target in options.targets:
        if sources.is_source(str(target)):
            collectors.append(sources.make_collector(str(target), options.source_options))
        else:
            collectors.append(RepositoryCollector(Path(target), factory, jobs=jobs))
    return collectors


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
