"""Where model files are scanned from: local paths and S3 prefixes, each result as an asset.

Local files and folders go to the engine (:func:`aispm.artifacts.scan_file` / ``scan_tree``).
S3 objects are listed page by page, and the model-like ones (by name, see
``data/model_provenance.yaml``; every object with ``all_objects``) are streamed to a private
temporary folder with a size cap, together with the model card, config and signature beside them,
scanned there, and deleted.  Nothing is loaded or executed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from aispm.artifacts.hashing import FileHasher
from aispm.artifacts.model import DEFAULT_LIMITS, ArtifactScan, Limits
from aispm.artifacts.provenance import Provenance, SideFiles, read_provenance
from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Location
from aispm.data import load_yaml

S3_SCHEME = "s3://"
DEFAULT_MAX_OBJECT_BYTES = 4 * 1024**3
"""Largest S3 object that is downloaded and scanned; larger ones are reported, not fetched."""
_CHUNK = 1024 * 1024


class SourceError(Exception):
    """A whole target cannot be read (no such path, bucket not listable); the message says why."""


@dataclass(frozen=True, slots=True)
class ScannedArtifact:
    """One scanned model file with where it lives and what its side files say."""

    scan: ArtifactScan
    asset_id: str
    name: str
    """Path relative to the scanned root, or the ``s3://`` URL."""
    provider: str
    """``local`` or ``aws``."""
    location: Location
    provenance: Provenance
    container_id: str | None = None
    """The repository / folder asset that contains it (local files only)."""
    extra: tuple[tuple[str, Any], ...] = ()
    """More properties (``s3`` object facts)."""


@cache
def _settings() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("model_provenance.yaml")
    return data


def asset_format(engine_format: str | None) -> str | None:
    """The ``format`` property of an asset for a format name of the engine."""
    if engine_format is None:
        return None
    mapping: dict[str, str] = _settings()["asset_format"]
    return mapping.get(engine_format, engine_format)


def artifact_properties(scan: ArtifactScan, provenance: Provenance) -> dict[str, Any]:
    """The properties the engine's result and the provenance give a ``model_artifact`` asset."""
    return {
        "format": asset_format(scan.format),
        "size": scan.size,
        "sha256": scan.sha256,
        "scan": scan.to_json(),
        "provenance": provenance.to_json(),
    }


def artifact_asset(item: ScannedArtifact) -> Asset:
    """The ``model_artifact`` asset of a scanned file."""
    props = artifact_properties(item.scan, item.provenance)
    props.update(dict(item.extra))
    return Asset(
        id=item.asset_id,
        kind=AssetKind.MODEL_ARTIFACT,
        name=item.name,
        provider=item.provider,
        location=item.location,
        properties=props,
        source="model_scan",
    )


def is_model_result(scan: ArtifactScan) -> bool:
    """Whether a result is about a model file (or a file that failed to parse as one)."""
    return scan.format is not None or bool(scan.issues) or scan.error is not None


# -- local ----------------------------------------------------------------------------------------


def scan_local(
    target: Path,
    *,
    root: Path,
    repo_key: str,
    limits: Limits = DEFAULT_LIMITS,
    trusted_keys: Sequence[Path] = (),
    hasher: FileHasher | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[ScannedArtifact]:
    """Scan a file or folder ``target`` inside ``root`` (the repository it belongs to, whose
    ``repo_key`` names it), so ids match those of ``aispm scan`` of that repository.  ``hasher``
    hashes the files (with a hash cache, say); by default each file is hashed without one.
    ``meanwhile`` is called once while the scan runs (see :func:`aispm.artifacts.scanner.map_tree`)."""
    from aispm.artifacts.scanner import map_tree, scan_file

    if not target.exists():
        raise SourceError(f"{target}: no such file or directory")
    container = urn("code", "repository", repo_key)
    real = _Resolver()
    real_root = root.resolve()
    sides = SideFiles()

    def artifact(local: Path, scan: ArtifactScan) -> ScannedArtifact | None:
        if not is_model_result(scan):
            return None
        rel = _rel(real(local), real_root, local)
        return ScannedArtifact(
            scan=scan,
            asset_id=urn("code", "model_artifact", repo_key, rel),
            name=rel,
            provider="local",
            location=Location(path=rel),
            provenance=read_provenance(local, trusted_keys=trusted_keys, side_files=sides),
            container_id=container,
        )

    if target.is_dir():
        found: Iterator[ScannedArtifact | None] = map_tree(
            target, artifact, limits=limits, hasher=hasher, meanwhile=meanwhile
        )
    else:
        if meanwhile is not None:
            meanwhile()
        shown = _rel(real(target), real_root, target)
        found = iter([artifact(target, scan_file(target, limits=limits, display_path=shown, hasher=hasher))])
    for item in found:
        if item is not None:
            yield item


def _rel(real: Path, real_root: Path, path: Path) -> str:
    """``path`` (whose resolved form is ``real``) relative to the resolved root, else as given."""
    try:
        return real.relative_to(real_root).as_posix() or "."
    except ValueError:
        return path.as_posix()


class _Resolver:
    """``Path.resolve`` for many files of few folders: each folder is resolved once, and a file
    only when it is a symbolic link itself."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.name in ("", ".", "..") or os.path.islink(path):
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name


# -- S3 -------------------------------------------------------------------------------------------


class S3Target(NamedTuple):
    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}"


def parse_s3_url(text: str) -> S3Target | None:
    """``s3://bucket/prefix`` as a target; None when ``text`` is not an S3 URL."""
    if not text.startswith(S3_SCHEME):
        return None
    bucket, _, prefix = text[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise SourceError(f"{text}: no bucket name in the S3 URL")
    return S3Target(bucket, prefix)


def s3_client(profile: str | None = None) -> Any:
    """An S3 client from the default credential chain (or ``profile``); boto3 itself honours
    ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(profile_name=profile).client("s3")
    except BotoCoreError as exc:
        raise SourceError(f"cannot set up AWS access: {exc}") from None


class _Object(NamedTuple):
    key: str
    size: int
    etag: str
    last_modified: str


def scan_s3(
    target: S3Target,
    client: Any,
    *,
    limits: Limits = DEFAULT_LIMITS,
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    all_objects: bool = False,
    trusted_keys: Sequence[Path] = (),
    page_size: int = 1000,
    hasher: FileHasher | None = None,
) -> Iterator[ScannedArtifact]:
    """Scan the model files under an S3 prefix, one folder of objects at a time (the listing is
    read page by page, ``page_size`` keys a page).  ``hasher`` hashes the downloaded files (a
    fresh download is never taken from or put in a hash cache: it changed too recently)."""
    folders: dict[str, list[_Object]] = {}
    for obj in _list_objects(target, client, page_size):
        folders.setdefault(obj.key.rpartition("/")[0], []).append(obj)
    for folder in sorted(folders):
        yield from _scan_folder(
            target, client, folders[folder], limits, max_object_bytes, all_objects, trusted_keys, hasher
        )


def _list_objects(target: S3Target, client: Any, page_size: int) -> Iterator[_Object]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=target.bucket, Prefix=target.prefix, PaginationConfig={"PageSize": page_size}
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                key = str(entry["Key"])
                if key.endswith("/"):
                    continue
                yield _Object(
                    key=key,
                    size=int(entry.get("Size", 0)),
                    etag=str(entry.get("ETag", "")).strip('"'),
                    last_modified=str(entry.get("LastModified", "")),
                )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SourceError(
            f"{target.url}: cannot list objects: {error.get('Code', '?')}: {error.get('Message', exc)}"
        ) from None
    except BotoCoreError as exc:
        raise SourceError(f"{target.url}: cannot list objects: {exc}") from None


def _wanted(key: str) -> bool:
    name = PurePosixPath(key).name.lower()
    return any(name.endswith(suffix) for suffix in _settings()["s3_model_suffixes"])


def _scan_folder(
    target: S3Target,
    client: Any,
    objects: list[_Object],
    limits: Limits,
    max_object_bytes: int,
    all_objects: bool,
    trusted_keys: Sequence[Path],
    hasher: FileHasher | None,
) -> Iterator[ScannedArtifact]:
    from aispm.artifacts import scan_file

    names = {PurePosixPath(o.key).name: o for o in objects}
    side = set(_settings()["s3_side_files"])
    models = [o for o in objects if (all_objects or _wanted(o.key)) and PurePosixPath(o.key).name not in side]
    models = [o for o in models if not o.key.endswith(".sig")]
    if not models:
        return
    import tempfile  # only for S3 (it imports random, shutil ...)

    with tempfile.TemporaryDirectory(prefix="aispm-s3-") as tmp:
        folder = Path(tmp)
        wanted_side = side | {PurePosixPath(o.key).name + ".sig" for o in models}
        for name in sorted(wanted_side & names.keys()):
            obj = names[name]
            if obj.size <= max_object_bytes:
                try:
                    _download(client, target.bucket, obj.key, folder / name, max_object_bytes)
                except SourceError:
                    _remove(folder / name)  # provenance then says the side file is missing
        for obj in models:
            url = f"{S3_SCHEME}{target.bucket}/{obj.key}"
            local = folder / PurePosixPath(obj.key).name
            scan = _fetch_and_scan(
                client, target.bucket, obj, local, url, limits, max_object_bytes, scan_file, hasher
            )
            yield ScannedArtifact(
                scan=scan,
                asset_id=urn("aws", "model_artifact", url),
                name=url,
                provider="aws",
                location=Location(uri=url),
                provenance=read_provenance(local, trusted_keys=trusted_keys),
                extra=(
                    (
                        "s3",
                        {
                            "bucket": target.bucket,
                            "key": obj.key,
                            "etag": obj.etag,
                            "last_modified": obj.last_modified,
                        },
                    ),
                ),
            )
            _remove(local)


def _fetch_and_scan(
    client: Any,
    bucket: str,
    obj: _Object,
    local: Path,
    url: str,
    limits: Limits,
    max_object_bytes: int,
    scan_file: Any,
    hasher: FileHasher | None,
) -> ArtifactScan:
    if obj.size > max_object_bytes:
        return ArtifactScan(
            path=url,
            format=None,
            size=obj.size,
            sha256=None,
            error=f"object is {obj.size:,} bytes, larger than the {max_object_bytes:,}-byte download limit "
            "(--max-object-size): not scanned",
        )
    try:
        _download(client, bucket, obj.key, local, max_object_bytes)
    except SourceError as exc:
        return ArtifactScan(path=url, format=None, size=obj.size, sha256=None, error=str(exc))
    result: ArtifactScan = scan_file(local, limits=limits, display_path=url, hasher=hasher)
    return result


def _download(client: Any, bucket: str, key: str, dest: Path, cap: int) -> None:
    """Stream one object to ``dest``, stopping at ``cap`` bytes."""
    from botocore.exceptions import BotoCoreError, ClientError

    written = 0
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        with dest.open("wb") as fh:
            for chunk in body.iter_chunks(_CHUNK):
                written += len(chunk)
                if written > cap:
                    raise SourceError(f"s3://{bucket}/{key}: more than {cap:,} bytes, download stopped")
                fh.write(chunk)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SourceError(f"s3://{bucket}/{key}: cannot download: {error.get('Code', '?')}") from None
    except (BotoCoreError, OSError) as exc:
        raise SourceError(f"s3://{bucket}/{key}: cannot download: {exc}") from None


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
