"""Containers: zip / tar / 7z members scanned in memory, traversal and symlinks reported,
bombs refused, nesting bounded; directory trees and the Hugging Face cache layout."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

import artifact_samples as samples
import pytest

from aispm.artifacts import scan_bytes, scan_file, scan_tree
from aispm.artifacts.model import Limits

CANARY = "/tmp/aispm-canary-containers"
BAD = samples.malicious_pickles(CANARY)["global_os_system"][0]


def test_zip_members_traversal_and_symlink() -> None:
    data = samples.zip_with(
        {"../evil.pkl": BAD, "readme.txt": b"hello", "ok.pkl": pickle.dumps(1, protocol=4)},
        symlinks={"link": "/etc/passwd"},
    )
    scan = scan_bytes(data, "bundle.zip")
    kinds = [i.kind for i in scan.all_issues()]
    assert {"path_traversal", "symlink", "dangerous_call"} <= set(kinds)
    assert sorted(m.path for m in scan.members) == ["../evil.pkl", "ok.pkl"]
    clean = scan_bytes(samples.zip_with({"a/ok.pkl": pickle.dumps([1], protocol=4)}), "b.zip")
    assert clean.verdict == "clean" and clean.members[0].format == "pickle"


def test_tar_symlink_and_nested_zip_in_tar() -> None:
    inner = samples.zip_with({"m.pkl": BAD})
    data = samples.tar_with({"models/inner.zip": inner}, symlinks={"models/x": "../../etc/shadow"})
    scan = scan_bytes(data, "models.tar")
    assert scan.format == "tar" and scan.verdict == "malicious"
    assert scan.members[0].members[0].path == "m.pkl"
    assert any(i.kind == "symlink" and "outside" in i.detail for i in scan.issues)


def test_nesting_depth_bounded() -> None:
    data = BAD
    for level in range(6):
        data = samples.zip_with({f"l{level}.zip" if level else "p.pkl": data})
    scan = scan_bytes(data, "deep.zip", limits=Limits(max_depth=3))
    assert any(i.kind == "limit" and "deeper" in i.detail for i in scan.all_issues())
    assert scan_bytes(data, "deep.zip").verdict == "malicious"


def test_zip_bomb_refused_from_headers() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.pkl", b"\x00" * (20 * 1024 * 1024))
    scan = scan_bytes(buf.getvalue(), "bomb.zip")
    assert any(i.kind == "limit" and "ratio" in i.detail for i in scan.issues)
    assert scan.members == ()
    capped = scan_bytes(samples.zip_with({"a.pkl": BAD}), "a.zip", limits=Limits(max_total_uncompressed=10))
    assert capped.error and "uncompressed" in capped.error


def test_sevenzip_members() -> None:
    py7zr = pytest.importorskip("py7zr")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.writestr(BAD, "evil.pkl")
        archive.writestr(b"plain text", "notes.txt")
    scan = scan_bytes(buf.getvalue(), "models.7z")
    assert (
        scan.format == "7z" and scan.verdict == "malicious" and [m.path for m in scan.members] == ["evil.pkl"]
    )
    assert not Path("evil.pkl").exists()


def test_scan_tree_hf_cache_and_saved_model(tmp_path: Path) -> None:
    cache = tmp_path / "hub" / "models--org--name"
    blobs = cache / "blobs"
    snap = cache / "snapshots" / "abc123"
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    (blobs / "1111").write_bytes(BAD)
    (blobs / "2222").write_bytes(b'{"model_type": "bert"}')
    os.symlink("../../blobs/1111", snap / "pytorch_model.bin")
    os.symlink("../../blobs/2222", snap / "config.json")
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(BAD)
    os.symlink(outside, snap / "escape.pkl")
    (tmp_path / "hub" / "notes.txt").write_text("not a model")
    sm = tmp_path / "hub" / "sm"
    sm.mkdir()
    (sm / "saved_model.pb").write_bytes(samples.saved_model([("x", "Placeholder")]))
    results = {Path(s.path).name: s for s in scan_tree(tmp_path / "hub")}
    assert set(results) == {"pytorch_model.bin", "config.json", "sm"}
    assert results["pytorch_model.bin"].verdict == "malicious"
    assert results["sm"].format == "tf_savedmodel" and results["sm"].verdict == "clean"


def test_scan_file_errors_are_reported(tmp_path: Path) -> None:
    missing = scan_file(tmp_path / "nope.pkl")
    assert missing.error and "cannot read" in missing.error
    empty = tmp_path / "empty.pkl"
    empty.write_bytes(b"")
    assert scan_file(empty).verdict == "clean"
    trunc = tmp_path / "t.zip"
    trunc.write_bytes(samples.zip_with({"a.pkl": BAD})[:40])
    assert scan_file(trunc).error
