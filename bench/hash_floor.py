"""The least time any scanner that sha256-hashes every byte of a folder needs on this machine:
read and hash every regular file below a folder, on one thread per core (``hashlib`` releases the
GIL), nothing else.  ``bench/model_scan.py`` times it beside aispm's cold run.

    .venv/bin/python bench/hash_floor.py bench/out/model_corpus-large
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

BLOCK = 4 * 1024 * 1024


def hash_files(paths: list[Path]) -> None:
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                digest.update(view[:n])


def main() -> None:
    root = Path(sys.argv[1])
    files = sorted(
        (p for p in root.rglob("*") if p.is_file() and not p.is_symlink()), key=lambda p: -p.stat().st_size
    )
    threads = os.cpu_count() or 1
    # largest first, dealt round-robin: the threads finish at about the same time
    workers = [threading.Thread(target=hash_files, args=(files[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"{len(files)} files, {sum(p.stat().st_size for p in files):,} bytes, {threads} threads")


if __name__ == "__main__":
    main()
