"""``aispm model scan``: scan model files (local or in S3) without loading them, check their
provenance, evaluate the model rules, keep and report the result like ``aispm scan``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, FailOnOption, OutputOption, ReportFormatOption
from aispm.cli.output import emit, make_console
from aispm.cli.scan import _exit_status, _parse_threshold, _store
from aispm.core.model import Asset, AssetKind, Inventory, Location, RelationKind, ScanResult

model_app = typer.Typer(help="Scan model files without loading them.", no_args_is_help=True)

_PREVIOUS_SCANS = 3
"""How many of the newest kept scans are searched for a model file's previous sha256."""
_MAX_REPO_DEPTH = 64


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


@model_app.command("scan")
def scan(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Model files, folders (a Hugging Face cache too) or s3://bucket/prefix URLs.",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    fmt: ReportFormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="Policy file (default: built-in defaults).", dir_okay=False),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="AWS profile for s3:// targets (default credential chain)."),
    ] = None,
    signing_keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--signing-key",
            help="PEM public key that model-signing signatures (model.sig, FILE.sig) are verified "
            "against; repeatable.",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    max_object_size: Annotated[
        int,
        typer.Option("--max-object-size", help="Largest S3 object downloaded for scanning, in bytes.", min=1),
    ] = 4 * 1024**3,
    all_objects: Annotated[
        bool,
        typer.Option("--all-objects", help="Fetch every S3 object, not only those with model-like names."),
    ] = False,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not keep this scan in the database.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on the terminal.")] = False,
) -> None:
    """Scan model files for code that runs when they are loaded, and check their provenance.

    Nothing is loaded or unpickled. Exit status: 0 done; 1 findings at or above --fail-on;
    2 the scan could not run; 3 the scan finished but some inputs could not be read.
    """
    from aispm.posture import PolicyError, evaluate, load_policy

    console = make_console(stderr=True, quiet=quiet)
    threshold = _parse_threshold(fail_on)
    started = _now()
    try:
        rules_policy = load_policy(policy or _repository_policy(targets))
    except PolicyError as exc:
        fail(exc)
    try:
        inventory = collect(
            targets,
            profile=profile,
            trusted_keys=tuple(signing_keys or ()),
            max_object_bytes=max_object_size,
            all_objects=all_objects,
        )
    except Exception as exc:
        fail(exc)
    if not no_store:
        inventory = _with_previous_hashes(inventory, db)
    findings, rules = evaluate(inventory, rules_policy)
    result = ScanResult(
        target=", ".join(targets),
        started_at=started,
        finished_at=_now(),
        inventory=inventory,
        findings=tuple(findings),
        rules=rules,
    )
    result = _store(result, db, no_store, console)
    emit(result, fmt, output, console)
    raise typer.Exit(_exit_status(result, threshold))


def collect(
    targets: Sequence[str],
    *,
    profile: str | None = None,
    trusted_keys: Sequence[Path] = (),
    max_object_bytes: int = 4 * 1024**3,
    all_objects: bool = False,
) -> Inventory:
    """Scan every target into one inventory of ``model_artifact`` assets (and the repositories
    that hold local ones).  A target that cannot be read at all raises ``SourceError``."""
    from aispm.artifacts.sources import (
        ScannedArtifact,
        artifact_asset,
        parse_s3_url,
        s3_client,
        scan_local,
        scan_s3,
    )
    from aispm.discover.code.walker import repository_key

    inventory = Inventory()
    client: Any = None
    for target in targets:
        s3 = parse_s3_url(target)
        items: Iterator[ScannedArtifact]
        if s3 is not None:
            client = client if client is not None else s3_client(profile)
            items = scan_s3(
                s3,
                client,
                max_object_bytes=max_object_bytes,
                all_objects=all_objects,
                trusted_keys=trusted_keys,
            )
        else:
            path = Path(target).expanduser()
            root = repository_root(path)
            repo_key = repository_key(root)
            _add_repository(inventory, root, repo_key)
            items = scan_local(path, root=root, repo_key=repo_key, trusted_keys=trusted_keys)
        for item in items:
            inventory.add(artifact_asset(item))
            if item.container_id is not None:
                inventory.relate(item.container_id, RelationKind.CONTAINS, item.asset_id)
    return inventory


def repository_root(path: Path) -> Path:
    """The git checkout ``path`` lies in (so ids match ``aispm scan`` of it), else the folder
    itself (or the file's folder)."""
    start = path if path.is_dir() else path.parent
    current = start.resolve()
    for _ in range(_MAX_REPO_DEPTH):
        if (current / ".git").exists():
            return current
        if current.parent == current:
            break
        current = current.parent
    return start.resolve()


def _repository_policy(targets: Sequence[str]) -> Path | None:
    """``.aispm.yaml`` at the root of the checkout holding the first local target, if any."""
    from aispm.pipeline import POLICY_FILE_NAME

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
        return inventory  # _store reports an unusable database
    if not previous:
        return inventory
    out = Inventory()
    for asset in inventory.assets:
        if asset.id in previous:
            props = {**asset.properties, "previous_sha256": previous[asset.id]}
            asset = dataclasses.replace(asset, properties=props)
        out.add(asset)
    for rel in inventory.relationships:
        out.add_relationship(rel)
    out.warnings.extend(inventory.warnings)
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
