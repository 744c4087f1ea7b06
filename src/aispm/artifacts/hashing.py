"""sha256 of model files: large reads, hashing ahead of the parser on a thread pool, and an
optional cache keyed by what ``stat`` says of a file.

Hashing is most of the work of scanning large model files (a 200 MB state dict is hashed in
full; only its small pickle is parsed), and ``hashlib`` releases the GIL while it hashes, so
:class:`FileHasher` hashes the next files on worker threads while the scanner parses the current
one.

:class:`HashCache` remembers digests across runs the way git's index does: an entry is used only
while the file's absolute path, device, inode, size, modification time and change time (in
nanoseconds) are all unchanged.  Writing a file changes its ``ctime`` (which no program can set
back), so an edited or replaced file is hashed again.  A digest is not kept when the file changed
while it was read, or when it changed less than :data:`RACY_SECONDS` before it was looked at (a
later write within the file system's timestamp granularity could then go unnoticed).  The cache
only ever saves hashing: every file's content is still read and parsed by the scanner, so
verdicts never come from the cache.  It is a JSON file in the user cache directory; a corrupt or
unreadable one is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CHUNK = 4 * 1024 * 1024
"""Bytes per read when hashing (one reusable buffer per thread)."""
THREAD_MIN_BYTES = 1024 * 1024
"""Smaller files are hashed by the scanner's thread when it gets to them."""
RACY_SECONDS = 2
"""A file changed less than this long before it was looked at is hashed, but not cached."""
CACHE_FILE = "model-hashes.json"
"""Name of the cache file in the user cache directory."""
MAX_ENTRIES = 20_000
"""Entries kept (about 3 MB of JSON); the least recently used go first."""
MAX_AGE_DAYS = 90
"""Entries not used for this long are dropped."""
_FORMAT = 1
_DAY = 86_400

_local = threading.local()


def _buffer() -> bytearray:
    buf: bytearray | None = getattr(_local, "buffer", None)
    if buf is None:
        buf = _local.buffer = bytearray(CHUNK)
    return buf


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's content, read in :data:`CHUNK`-byte blocks.  Raises OSError."""
    return _hash(os.fspath(path))[0]


def _hash(path: str) -> tuple[str, os.stat_result, os.stat_result]:
    """The digest, and the file's ``fstat`` before and after reading it."""
    digest = hashlib.sha256()
    buf = _buffer()
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        before = os.fstat(fh.fileno())
        while count := fh.readinto(buf):
            digest.update(view[:count])
        after = os.fstat(fh.fileno())
    view.release()
    return digest.hexdigest(), before, after


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class HashCache:
    """sha256 digests of files by absolute path and ``stat`` identity (see the module docstring).

    Thread-safe.  :meth:`save` writes it back (only when something changed).
    """

    def __init__(self, path: Path | None, *, racy_seconds: float = RACY_SECONDS) -> None:
        self.path = path
        """The JSON file; None: an in-memory cache that is never saved."""
        self.racy_ns = int(racy_seconds * 1_000_000_000)
        self._entries: dict[str, list[Any]] = {}
        self._dirty = False
        self._lock = threading.Lock()
        self._today = int(time.time()) // _DAY
        if path is not None:
            self._entries = _read_entries(path)

    @classmethod
    def default(cls) -> HashCache:
        """The cache in aispm's user cache directory (``$AISPM_CACHE_DIR`` when set)."""
        from aispm.data.cache import cache_dir

        return cls(cache_dir() / CACHE_FILE)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, path: str, st: os.stat_result) -> str | None:
        """The cached digest of the file at absolute ``path`` whose ``os.stat`` is ``st``, if its
        identity is unchanged."""
        with self._lock:
            entry = self._entries.get(path)
            if entry is None or not _valid_entry(entry) or entry[:5] != _identity(st):
                return None
            if entry[6] != self._today:
                entry[6] = self._today
                self._dirty = True
            return str(entry[5])

    def remember(
        self, path: str, before: os.stat_result, after: os.stat_result, digest: str, looked_at_ns: int
    ) -> None:
        """Keep ``digest`` for ``path`` unless the file changed while it was read (``before`` and
        ``after`` differ) or changed less than ``racy_seconds`` (:data:`RACY_SECONDS`) before
        ``looked_at_ns``."""
        identity = _identity(before)
        if identity != _identity(after):
            return
        newest_change = max(before.st_mtime_ns, before.st_ctime_ns)
        if looked_at_ns - newest_change < self.racy_ns:
            return
        with self._lock:
            self._entries[path] = [*identity, digest, self._today]
            self._dirty = True

    def save(self) -> None:
        """Write the cache back when it changed: the newest :data:`MAX_ENTRIES` entries used in
        the last :data:`MAX_AGE_DAYS` days.  A cache that cannot be written is left alone."""
        if self.path is None or not self._dirty:
            return
        from aispm.data.cache import write_atomic

        with self._lock:
            oldest = self._today - MAX_AGE_DAYS
            kept = sorted(
                ((p, e) for p, e in self._entries.items() if _valid_entry(e) and e[6] >= oldest),
                key=lambda item: item[1][6],
                reverse=True,
            )[:MAX_ENTRIES]
            text = json.dumps({"format": _FORMAT, "entries": dict(kept)}, separators=(",", ":"))
            self._dirty = False
        with contextlib.suppress(OSError):  # a read-only cache directory: scans still work
            write_atomic(self.path, text.encode("utf-8"))


def _read_entries(path: Path) -> dict[str, list[Any]]:
    """The entries of a cache file (each is checked by :func:`_valid_entry` when used); nothing
    when the file is absent, corrupt or of another format."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT or not isinstance(doc.get("entries"), dict):
        return {}
    entries: dict[str, list[Any]] = doc["entries"]
    return entries


_HEX = frozenset("0123456789abcdef")


def _valid_entry(entry: object) -> bool:
    """``[dev, ino, size, mtime_ns, ctime_ns, sha256 hex, day last used]``."""
    if not isinstance(entry, list) or len(entry) != 7:
        return False
    digest = entry[5]
    return (
        all(type(n) is int for n in (*entry[:5], entry[6]))
        and isinstance(digest, str)
        and len(digest) == 64
        and set(digest) <= _HEX
    )


class FileHasher:
    """Hashes files for the scanner: through ``cache`` when one is given, and ahead of time on
    worker threads for the paths given to :meth:`prefetch`.  Use as a context manager (or call
    :meth:`close`) so the threads stop.  With ``enabled=False`` nothing is hashed: :meth:`sha256`
    returns None (``aispm model scan --no-hash``: verdicts only).

    (Plain threads rather than ``concurrent.futures``, whose import pulls in ``logging``: this
    runs in the start-up-bound ``aispm model scan``.)"""

    def __init__(
        self, cache: HashCache | None = None, workers: int | None = None, *, enabled: bool = True
    ) -> None:
        self.cache = cache
        self.enabled = enabled
        # one more than the cores: the scanner's own thread mostly waits for the digests of large files
        self._workers = workers or min(4, (os.cpu_count() or 1) + 1)
        self._jobs: dict[str, _Job] = {}
        self._ready: dict[str, str] = {}
        """Digests found in the cache by :meth:`prefetch`."""
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._running = 0
        """Workers that have not decided to stop (changed under the lock)."""
        self._closed = False
        self._to_hash = 0
        """Files given to :meth:`prefetch` whose digest the cache did not have."""

    @property
    def nothing_to_hash(self) -> bool:
        """Whether :meth:`sha256` will hash nothing for the files given to :meth:`prefetch`:
        hashing is off, or the cache had every digest.  Then another process forked from this one
        may ask for their digests (it gets them from what was looked up, and changes no cache)."""
        return not self.enabled or self._to_hash == 0

    def __enter__(self) -> FileHasher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prefetch(self, paths: Iterable[Path]) -> None:
        """Start hashing ``paths`` in the background, in this order.  Digests the cache has are
        looked up here, for every file; files under :data:`THREAD_MIN_BYTES` that it does not
        have are left to :meth:`sha256` (handing them to a thread costs more than hashing them)."""
        if not self.enabled:
            return
        with self._lock:
            for path in paths:
                key = os.path.abspath(path)
                if key in self._jobs or key in self._ready:
                    continue
                try:
                    st = os.stat(key)
                except (OSError, ValueError):
                    continue  # hashing it in sha256() will say why
                cached = self.cache.lookup(key, st) if self.cache is not None else None
                if cached is not None:
                    self._ready[key] = cached
                    continue
                self._to_hash += 1
                if st.st_size >= THREAD_MIN_BYTES:
                    job = self._jobs[key] = _Job(key)
                    self._queue.append(job)
            wanted = max(min(self._workers, len(self._queue)) - self._running, 0)
            self._running += wanted
        for _ in range(wanted):
            thread = threading.Thread(target=self._work, name="aispm-hash", daemon=True)
            self._threads.append(thread)
            thread.start()

    def sha256(self, path: Path) -> str | None:
        """The file's sha256: from its background job when one was started (waiting for it),
        else computed here; None when hashing is not ``enabled``.  Raises OSError."""
        if not self.enabled:
            return None
        key = os.path.abspath(path)
        with self._lock:
            ready = self._ready.pop(key, None)
            if ready is not None:
                return ready
            job = self._jobs.pop(key, None)
            mine = job is None or job.claim()
        if mine:
            return self._digest(key)  # not prefetched, or no worker got to it yet: no waiting
        assert job is not None
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.digest is not None
        return job.digest

    def close(self) -> None:
        """Stop the threads once their current file is hashed; jobs not started are dropped."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._jobs.clear()
            self._ready.clear()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _work(self) -> None:
        while True:
            with self._lock:
                job = None
                while self._queue and not self._closed:
                    candidate = self._queue.popleft()
                    if candidate.claim():
                        job = candidate
                        break
                if job is None:
                    self._running -= 1
                    return
            try:
                job.digest = self._digest(job.path)
            except BaseException as exc:  # handed to the caller of sha256()
                job.error = exc
            finally:
                job.done.set()

    def _digest(self, path: str) -> str:
        if self.cache is None:
            return _hash(path)[0]
        looked_at = time.time_ns()
        cached = self.cache.lookup(path, os.stat(path))
        if cached is not None:
            return cached
        digest, before, after = _hash(path)
        self.cache.remember(path, before, after, digest, looked_at)
        return digest


class _Job:
    """One file to hash in the background; claimed (under the hasher's lock) by the first of a
    worker or the scanner to get to it."""

    __slots__ = ("claimed", "digest", "done", "error", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.claimed = False
        self.done = threading.Event()
        self.digest: str | None = None
        self.error: BaseException | None = None

    def claim(self) -> bool:
        """True for the first caller only (the caller holds the hasher's lock)."""
        if self.claimed:
            return False
        self.claimed = True
        return True
