"""Hashing of model files: large reads, hashing ahead on threads, the stat-keyed hash cache."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
from pathlib import Path

import pytest

from aispm.artifacts import scan_file, scan_tree
from aispm.artifacts.hashing import (
    CHUNK,
    RACY_SECONDS,
    THREAD_MIN_BYTES,
    FileHasher,
    HashCache,
    sha256_file,
)

COMMAND = "echo aispm-harmless-test"


def malicious_pickle(command: str = COMMAND) -> bytes:
    text = command.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(text)) + text + b"\x85R."


def benign_pickle() -> bytes:
    return b"\x80\x02]q\x00(K\x01K\x02e."


def age(path: Path, seconds: float = RACY_SECONDS + 60) -> None:
    """Make the file look last modified ``seconds`` ago (its ctime stays now, as on any write)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def old_file(path: Path, data: bytes) -> Path:
    """A file whose last change is old enough to be cached (the change time cannot be set back,
    so the cache's racy check is made to look at a later time instead)."""
    path.write_bytes(data)
    age(path)
    return path


def later() -> int:
    return time.time_ns() + (RACY_SECONDS + 1) * 1_000_000_000


@pytest.mark.parametrize("size", [0, 1, 4096, CHUNK, CHUNK + 1, 2 * CHUNK + 17])
def test_sha256_file_is_the_sha256_of_the_content(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_prefetched_and_inline_digests_are_the_same(tmp_path: Path) -> None:
    files = []
    for index in range(12):
        path = tmp_path / f"m{index}.bin"
        path.write_bytes(os.urandom(1000 * index + CHUNK // 3))
        files.append(path)
    with FileHasher(workers=3) as hasher:
        hasher.prefetch(files)
        got = [hasher.sha256(f) for f in reversed(files)]  # out of order: waits or computes
    assert got == [hashlib.sha256(f.read_bytes()).hexdigest() for f in reversed(files)]


def test_a_prefetched_file_that_vanished_raises_for_its_caller(tmp_path: Path) -> None:
    gone = tmp_path / "gone.pkl"
    with FileHasher() as hasher:
        hasher.prefetch([gone])
        with pytest.raises(FileNotFoundError):
            hasher.sha256(gone)


def test_hasher_can_prefetch_again_after_its_workers_stopped(tmp_path: Path) -> None:
    data = [os.urandom(THREAD_MIN_BYTES), os.urandom(THREAD_MIN_BYTES + 1)]
    one, two = old_file(tmp_path / "1.bin", data[0]), old_file(tmp_path / "2.bin", data[1])
    with FileHasher(workers=1) as hasher:
        hasher.prefetch([one])
        assert hasher.sha256(one) == hashlib.sha256(data[0]).hexdigest()
        time.sleep(0.05)  # the worker found no more work and stopped
        hasher.prefetch([two])
        assert hasher.sha256(two) == hashlib.sha256(data[1]).hexdigest()


def test_small_files_and_cached_digests_need_no_thread(tmp_path: Path) -> None:
    small = old_file(tmp_path / "small.pkl", benign_pickle())
    big = old_file(tmp_path / "big.bin", os.urandom(THREAD_MIN_BYTES))
    cache = HashCache(None)
    st = os.stat(big)
    cache.remember(str(big), st, st, sha256_file(big), later())
    with FileHasher(cache) as hasher:
        hasher.prefetch([small, big])
        assert hasher._threads == []
        assert hasher.sha256(small) == sha256_file(small) and hasher.sha256(big) == sha256_file(big)


def test_cache_hit_for_an_unchanged_file_miss_after_any_change(tmp_path: Path) -> None:
    path = old_file(tmp_path / "m.pkl", benign_pickle())
    cache = HashCache(tmp_path / "cache.json")
    st = os.stat(path)
    digest = sha256_file(path)
    cache.remember(str(path), st, st, digest, later())
    assert cache.lookup(str(path), os.stat(path)) == digest

    # same size, modification time put back: the change time still tells
    path.write_bytes(malicious_pickle()[: len(benign_pickle())])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns
    assert cache.lookup(str(path), os.stat(path)) is None
    assert cache.lookup(str(tmp_path / "other.pkl"), os.stat(path)) is None


def test_a_file_changed_moments_ago_or_while_read_is_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "new.pkl"
    path.write_bytes(benign_pickle())
    cache = HashCache(None)
    st = os.stat(path)
    cache.remember(str(path), st, st, sha256_file(path), time.time_ns())  # racy: just written
    assert cache.lookup(str(path), st) is None
    age(path)
    changed = os.stat(path)  # the change time differs from st now
    cache.remember(str(path), st, changed, sha256_file(path), later())
    assert cache.lookup(str(path), changed) is None and len(cache) == 0


def test_cache_survives_a_save_and_ignores_a_corrupt_file(tmp_path: Path) -> None:
    model = old_file(tmp_path / "m.pkl", benign_pickle())
    store = tmp_path / "cache" / "model-hashes.json"
    cache = HashCache(store)
    st = os.stat(model)
    cache.remember(str(model), st, st, sha256_file(model), later())
    cache.save()
    assert HashCache(store).lookup(str(model), os.stat(model)) == sha256_file(model)

    for junk in (b"{not json", b"[]", json.dumps({"format": 99, "entries": {}}).encode()):
        store.write_bytes(junk)
        assert len(HashCache(store)) == 0
    bad = {"format": 1, "entries": {str(model): [*list(st)[:5], "not a digest", 1]}}
    store.write_text(json.dumps(bad))
    assert HashCache(store).lookup(str(model), os.stat(model)) is None
    cache = HashCache(store)
    cache.remember(str(model), st, st, sha256_file(model), later())
    cache.save()  # a corrupt cache is replaced
    assert HashCache(store).lookup(str(model), os.stat(model)) == sha256_file(model)


def test_unwritable_cache_does_not_break_a_scan(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    model = old_file(tmp_path / "m.pkl", benign_pickle())
    cache = HashCache(blocker / "model-hashes.json")
    with FileHasher(cache) as hasher:
        assert hasher.sha256(model) == sha256_file(model)
    cache.save()  # cannot create the directory: ignored


def test_cached_scans_give_the_same_result_and_parse_every_file(tmp_path: Path) -> None:
    tree = tmp_path / "models"
    tree.mkdir()
    evil = old_file(tree / "evil.pkl", malicious_pickle())
    old_file(tree / "ok.pkl", benign_pickle())
    cache = HashCache(tmp_path / "c.json", racy_seconds=0)  # the files were just written
    plain = list(scan_tree(tree))
    with FileHasher(cache) as hasher:
        first = list(scan_tree(tree, hasher=hasher))
    assert len(cache) == 2
    with FileHasher(cache) as hasher:
        second = list(scan_tree(tree, hasher=hasher))
    assert plain == first == second
    assert [s.verdict for s in second] == ["malicious", "clean"]

    # new content of the same size with the old modification time: hashed and parsed again
    evil.write_bytes(malicious_pickle(COMMAND.replace("test", "tezt")))
    os.utime(evil, ns=(os.stat(evil).st_atime_ns, os.stat(tree / "ok.pkl").st_mtime_ns))
    with FileHasher(cache) as hasher:
        again = scan_file(evil, hasher=hasher)
    assert again.sha256 == hashlib.sha256(evil.read_bytes()).hexdigest() != second[0].sha256
    assert "tezt" in again.issues[0].detail


def test_closing_drops_the_jobs_not_started(tmp_path: Path) -> None:
    files = [tmp_path / f"{i}.bin" for i in range(30)]
    for f in files:
        f.write_bytes(os.urandom(THREAD_MIN_BYTES))
    hasher = FileHasher(workers=1)
    hasher.prefetch(files)
    hasher.close()
    assert hasher.sha256(files[-1]) == hashlib.sha256(files[-1].read_bytes()).hexdigest()  # inline now


def test_a_disabled_hasher_reads_nothing_and_gives_no_digest(tmp_path: Path) -> None:
    big = old_file(tmp_path / "big.txt", b"not a model\n" * (THREAD_MIN_BYTES // 12))
    cache = HashCache(None)
    with FileHasher(cache, enabled=False) as hasher:
        hasher.prefetch([big])
        assert hasher._threads == [] and hasher.sha256(big) is None
        assert hasher.sha256(tmp_path / "missing.bin") is None  # not even opened
    assert cache.lookup(str(big), os.stat(big)) is None
    scan = scan_file(big, hasher=FileHasher(enabled=False))
    assert scan.sha256 is None and scan.error is None and scan.size == big.stat().st_size
