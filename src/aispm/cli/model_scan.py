"""What ``aispm model scan`` does, apart from parsing its command line: scan model files (local or
in S3) without loading them, check their provenance, evaluate the model rules, keep and report the
result like ``aispm scan``.

Both ways into the command run :func:`run`: the Typer command (:mod:`aispm.cli.model`) and the
fast path of :mod:`aispm.cli.fast`.  So this module imports neither Typer nor Rich; what a run
needs is imported when it is needed (Rich only to show something on the terminal, the store only
without ``--no-store``, boto3 only for ``s3://`` targets).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aispm.cli.errors import fail
from aispm.cli.output import OutputFormat, emit, emit_quiet, make_console
from aispm.cli.results import exit_status, parse_threshold, store_result
from aispm.core.model import Asset, AssetKind, Inventory, Location, RelationKind, ScanResult
from aispm.discover.repository import repository_root

if TYPE_CHECKING:
    from aispm.artifacts.hashing import FileHasher

__all__ = ["collect", "repository_root", "run"]

_PREVIOUS_SCANS = 3
"""How many of the newest kept scans are searched for a model file's previous sha256."""
DEFAULT_MAX_OBJECT_BYTES = 4 * 1024**3
NO_HASH_NOTE = "not computed (--no-hash)"
"""The ``sha256_skipped`` property of every model file scanned with ``--no-hash``."""


def run(
    targets: Sequence[str],
    *,
    db: str | None = None,
    fmt: OutputFormat | None = None,
    output: Path | None = None,
    fail_on: str | None = None,
    policy: Path | None = None,
    profile: str | None = None,
    signing_keys: Sequence[Path] = (),
    max_object_size: int = DEFAULT_MAX_OBJECT_BYTES,
    all_objects: bool = False,
    no_store: bool = False,
    quiet: bool = False,
    no_cache: bool = False,
    no_hash: bool = False,
) -> int:
    """Run one ``aispm model scan``; returns the exit status (errors exit through :func:`fail`)."""
    from aispm.artifacts.hashing import FileHasher, HashCache
    from aispm.posture import PolicyError, load_policy

    threshold = parse_threshold(fail_on)
    started = _now()
    try:
        rules_policy = load_policy(policy or _repository_policy(targets))
    except PolicyError as exc:
        fail(exc)
    cache = None if no_cache or no_hash else HashCache.default()
    try:
        with FileHasher(cache, enabled=not no_hash) as hasher:
            inventory = collect(
                targets,
                profile=profile,
                trusted_keys=tuple(signing_keys),
                max_object_bytes=max_object_size,
                all_objects=all_objects,
                hasher=hasher,
                meanwhile=_load_rules,
            )
    except Exception as exc:
        fail(exc)
    if cache is not None:
        cache.save()
    if not no_store:
        inventory = _with_previous_hashes(inventory, db)
    from aispm.posture import evaluate

    findings, rules = evaluate(inventory, rules_policy)
    result = ScanResult(
        target=", ".join(targets),
        started_at=started,
        finished_at=_now(),
        inventory=inventory,
        findings=tuple(findings),
        rules=rules,
    )
    if not no_store:
        result = store_result(result, db, no_store, make_console(stderr=True, quiet=quiet))
    if quiet:
        emit_quiet(result, fmt, output)
    else:
        emit(result, fmt, output, make_console(stderr=True, quiet=quiet))
    return exit_status(result, threshold)


def _load_rules() -> None:
    """Import the rules and read their metadata, for the evaluation after the scan: done while
    the files are parsed (by a helper process, when there is one)."""
    from aispm.posture import registry

    registry.checks()
    registry.metadata()


def collect(
    targets: Sequence[str],
    *,
    profile: str | None = None,
    trusted_keys: Sequence[Path] = (),
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    all_objects: bool = False,
    hasher: FileHasher | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Inventory:
    """Scan every target into one inventory of ``model_artifact`` assets (and the repositories
    that hold local ones).  A target that cannot be read at all raises ``SourceError``.
    ``hasher`` hashes the files (a hash cache, hashing ahead of the parser, or no hashing);
    ``meanwhile`` is called once while the first local folder is scanned (see
    :func:`aispm.artifacts.scanner.map_tree`), else before the first target."""
    from aispm.artifacts.sources import (
        ScannedArtifact,
        artifact_asset,
        parse_s3_url,
        s3_client,
        scan_local,
        scan_s3,
    )
    from aispm.discover.repository import repository_key

    inventory = Inventory()
    client: Any = None
    for target in targets:
        s3 = parse_s3_url(target)
        items: Iterator[ScannedArtifact]
        if s3 is not None:
            if meanwhile is not None:
                meanwhile()
            client = client if client is not None else s3_client(profile)
            items = scan_s3(
                s3,
                client,
                max_object_bytes=max_object_bytes,
                all_objects=all_objects,
                trusted_keys=trusted_keys,
                hasher=hasher,
            )
        else:
            path = Path(target).expanduser()
            root = repository_root(path)
            repo_key = repository_key(root)
            _add_repository(inventory, root, repo_key)
            items = scan_local(
                path,
                root=root,
                repo_key=repo_key,
                trusted_keys=trusted_keys,
                hasher=hasher,
                meanwhile=meanwhile,
            )
        meanwhile = None  # called once, for the first target
        for item in items:
            if hasher is not None and not hasher.enabled:
                item = dataclasses.replace(item, extra=(*item.extra, ("sha256_skipped", NO_HASH_NOTE)))
            inventory.add(artifact_asset(item))
            if item.container_id is not None:
                inventory.relate(item.container_id, RelationKind.CONTAINS, item.asset_id)
    return inventory


def _repository_policy(targets: Sequence[str]) -> Path | None:
    """``.aispm.yaml`` at the root of the checkout holding the first local target, if any."""
    from aispm.posture.policy import POLICY_FILE_NAME

    for target in targets:
        if target.startswith("s3://"):
            continue
        candidate = repository_root(Path(target).expanduser()) / POLICY_FILE_NAME
        return candidate if candidate.is_file() else None
    return None


def _add_repository(inventory: Inventory, root: Path, repo_key: str) -> None:
    from aispm.core.ids import urn

    inventory.add(
        Asset(
            id=urn("code", "repository", repo_key),
            kind=AssetKind.REPOSITORY,
            name=repo_key,
            provider="local",
            location=Location(path="."),
            properties={"root_name": root.name},
            source="model_scan",
        )
    )


def _with_previous_hashes(inventory: Inventory, db: str | None) -> Inventory:
    """Give each model file the sha256 it had in the newest kept scan that saw it
    (``previous_sha256``), for the changed-hash rule.  Without a usable history, nothing changes."""
    from aispm.store import Store, StoreError

    wanted = {a.id for a in inventory.of_kind(AssetKind.MODEL_ARTIFACT)}
    previous: dict[str, str] = {}
    try:
        with Store.open(db) as store:
            for scan_id in store.latest_scan_ids(_PREVIOUS_SCANS):
                for asset in store.load_scan(scan_id).inventory.of_kind(AssetKind.MODEL_ARTIFACT):
                    sha = asset.properties.get("sha256")
                    if asset.id in wanted and asset.id not in previous and isinstance(sha, str):
                        previous[asset.id] = sha
    except StoreError:
        return inventory  # store_result reports an unusable database
    return _with_properties(inventory, {key: {"previous_sha256": sha} for key, sha in previous.items()})


def _with_properties(inventory: Inventory, extra: Mapping[str, Mapping[str, Any]]) -> Inventory:
    """``inventory`` with ``extra[asset id]`` added to the properties of those assets."""
    if not extra:
        return inventory
    out = Inventory()
    for asset in inventory.assets:
        if asset.id in extra:
            asset = dataclasses.replace(asset, properties={**asset.properties, **extra[asset.id]})
        out.add(asset)
    for rel in inventory.relationships:
        out.add_relationship(rel)
    out.warnings.extend(inventory.warnings)
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
