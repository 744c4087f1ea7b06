"""Download OSV's per-ecosystem exports (``<base>/<Ecosystem>/all.zip``) for offline use.

A download streams to a temporary file in the destination, is checked to be a zip archive of
OSV records and indexed, and only then replaces the previous export (``os.replace``), so an
interrupted or failed download never leaves a broken database behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from aispm.advisories.db import INDEX_SUFFIX, METADATA_FILE, AdvisoryLoadError, build_zip_index, zip_name

DEFAULT_URL_BASE = "https://osv-vulnerabilities.storage.googleapis.com"
ECOSYSTEMS = ("PyPI", "npm")
"""Ecosystems whose versions aispm can compare."""
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024
"""A download larger than this is abandoned (OSV's largest export is far smaller)."""
OFFLINE_HINT = "scans keep working from the last download or from --advisories DIR"

ProgressCallback = Callable[[int, int | None], None]
"""(bytes received, total bytes or None)."""


class DownloadError(Exception):
    """A download failed; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    ecosystem: str
    url: str
    path: Path
    size: int
    records: int
    skipped: int
    downloaded_at: str


def export_url(url_base: str, ecosystem: str) -> str:
    return f"{url_base.rstrip('/')}/{quote(ecosystem)}/all.zip"


def download_export(
    client: httpx.Client,
    ecosystem: str,
    dest: Path,
    url_base: str = DEFAULT_URL_BASE,
    progress: ProgressCallback | None = None,
) -> Downloaded:
    """Fetch one ecosystem's export into ``dest``; raises :class:`DownloadError`."""
    url = export_url(url_base, ecosystem)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / zip_name(ecosystem)
    tmp = dest / f".{final.name}.part"
    try:
        _stream_to(client, url, tmp, progress)
        try:
            index = build_zip_index(tmp)
        except AdvisoryLoadError:
            raise DownloadError(f"{url} did not send a zip archive; the previous download is kept") from None
        if index.records == 0:
            raise DownloadError(f"{url} returned no OSV records; the previous download is kept")
        os.replace(tmp, final)
        sidecar = final.with_name(final.name + INDEX_SUFFIX)
        sidecar_tmp = sidecar.with_name(sidecar.name + ".part")
        sidecar_tmp.write_text(json.dumps(index.to_json(final), separators=(",", ":")), encoding="utf-8")
        os.replace(sidecar_tmp, sidecar)
    finally:
        tmp.unlink(missing_ok=True)
    return Downloaded(
        ecosystem=ecosystem,
        url=url,
        path=final,
        size=final.stat().st_size,
        records=index.records,
        skipped=index.skipped,
        downloaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _stream_to(client: httpx.Client, url: str, target: Path, progress: ProgressCallback | None) -> None:
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise DownloadError(f"{url} answered HTTP {response.status_code}; {OFFLINE_HINT}")
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            with target.open("wb") as fh:
                for chunk in response.iter_bytes(1024 * 1024):
                    received += len(chunk)
                    if received > MAX_DOWNLOAD_BYTES:
                        raise DownloadError(f"{url} sent more than {MAX_DOWNLOAD_BYTES:,} bytes; stopped")
                    fh.write(chunk)
                    if progress is not None:
                        progress(received, total)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise DownloadError(f"could not reach {url} ({reason}); {OFFLINE_HINT}") from None
    except OSError as exc:
        raise DownloadError(f"cannot write {target}: {exc.strerror or exc}") from None


def read_metadata(dest: Path) -> dict[str, Any]:
    """``metadata.json`` of a download directory (empty if missing or unreadable)."""
    try:
        data = json.loads((dest / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_metadata(dest: Path, downloads: list[Downloaded]) -> None:
    """Record what was downloaded, keeping the entries of ecosystems not updated this time."""
    data = read_metadata(dest)
    ecosystems = data.get("ecosystems")
    if not isinstance(ecosystems, dict):
        ecosystems = {}
    for item in downloads:
        ecosystems[item.ecosystem] = {
            "url": item.url,
            "file": item.path.name,
            "size": item.size,
            "records": item.records,
            "skipped": item.skipped,
            "downloaded_at": item.downloaded_at,
        }
    data = {"format": 1, "ecosystems": ecosystems}
    tmp = dest / f".{METADATA_FILE}.part"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, dest / METADATA_FILE)
