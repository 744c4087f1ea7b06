"""The repository collector: walk a tree once and hand each file to the analyzers that want it.

Large trees are analysed by several worker processes (``jobs``), each with its own analyzers;
their inventories are merged in file order, so the result is the same as a single-process scan.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from aispm.core.model import Asset, AssetKind, Inventory, Location
from aispm.discover.base import Progress, no_progress
from aispm.discover.code.ai_assets import summarise_env
from aispm.discover.code.base import FileAnalyzer, SourceFile, UnreadableFile
from aispm.discover.code.walker import WalkedFile, WalkIssue, repository_key, walk

AnalyzersFactory = Callable[[], Sequence[FileAnalyzer]]
"""Builds the analyzers; must be picklable to run in worker processes."""


def is_cross_file(analyzer: FileAnalyzer) -> bool:
    """Analyzers with ``cross_file = True`` keep state across files (Kubernetes objects that
    refer to each other, Terraform modules read a directory at a time): they must see every
    file of the tree in one process."""
    return bool(getattr(analyzer, "cross_file", False))


PARALLEL_MIN_FILES = 400
"""Below this many files one process is faster than starting workers."""
CHUNK_FILES = 200


class ScanTargetError(Exception):
    """The scan target itself cannot be scanned (missing, not a directory, unreadable)."""


def default_jobs() -> int:
    """Worker processes to use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class RepositoryCollector:
    """Discovers AI assets in a directory or git checkout.  Nothing it reads is executed."""

    name = "code"

    def __init__(
        self,
        root: Path,
        analyzers: Sequence[FileAnalyzer] | AnalyzersFactory,
        jobs: int = 1,
    ) -> None:
        self.root = root
        self._factory: AnalyzersFactory | None = None
        if callable(analyzers):
            self._factory = analyzers
            self._analyzers: list[FileAnalyzer] | None = None
        else:
            self._analyzers = list(analyzers)
        self.jobs = max(1, jobs)

    @property
    def analyzers(self) -> list[FileAnalyzer]:
        if self._analyzers is None:
            assert self._factory is not None
            self._analyzers = list(self._factory())
        return self._analyzers

    def check_target(self) -> Path:
        """The resolved root, or :class:`ScanTargetError` saying what is wrong with it."""
        root = self.root.expanduser()
        if not root.exists():
            raise ScanTargetError(f"{self.root}: no such file or directory")
        if not root.is_dir():
            raise ScanTargetError(f"{self.root}: not a directory (give the folder of a repository)")
        try:
            next(iter(root.iterdir()), None)
        except OSError as exc:
            raise ScanTargetError(f"{self.root}: cannot list directory: {exc.strerror or exc}") from None
        return root.resolve()

    def collect(self, progress: Progress = no_progress) -> Inventory:
        root = self.check_target()
        repo_key = repository_key(root)
        out = Inventory()
        repo_id = SourceFile(root, root, ".", 0, repo_key).repo_id
        repo = Asset(
            id=repo_id,
            kind=AssetKind.REPOSITORY,
            name=repo_key,
            provider="local",
            location=Location(path="."),
            properties={"root_name": root.name},
            source=self.name,
        )
        out.add(repo)
        files: list[WalkedFile] = []
        for item in walk(root):
            if isinstance(item, WalkIssue):
                out.warn(self.name, item.message, Location(path=item.rel))
            else:
                files.append(item)
        if self.jobs > 1 and self._factory is not None and len(files) >= PARALLEL_MIN_FILES:
            self._collect_parallel(root, repo_key, files, out, progress)
        else:
            analyze_files(self.analyzers, root, repo_key, files, out, progress)
        summarise_env(out)  # over every file's edges: the same whatever order files came in
        out.add(Asset(repo.id, repo.kind, repo.name, repo.provider, properties={"files_scanned": len(files)}))
        return out

    def _collect_parallel(
        self, root: Path, repo_key: str, files: list[WalkedFile], out: Inventory, progress: Progress
    ) -> None:
        assert self._factory is not None
        chunks = [files[i : i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
        results: list[Inventory | None] = [None] * len(chunks)
        done = 0
        context = multiprocessing.get_context("spawn")  # no fork: the parent runs threads
        linked = Inventory()
        try:
            with ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=_init_worker, initargs=(self._factory,)
            ) as pool:
                futures: dict[Future[Inventory], int] = {
                    pool.submit(_analyze_chunk, str(root), repo_key, chunk): index
                    for index, chunk in enumerate(chunks)
                }
                # while the workers run: the cross-file analyzers over the whole tree, here
                cross_file = [a for a in self.analyzers if is_cross_file(a)]
                analyze_files(cross_file, root, repo_key, files, linked, no_progress)
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    done += len(chunks[index])
                    progress(done, len(files), chunks[index][-1].rel)
        except BrokenProcessPool:
            out.warn(self.name, "a worker process died; the files it had were analysed again in one process")
        per_file = [a for a in self.analyzers if not is_cross_file(a)]
        for index, chunk in enumerate(chunks):
            result = results[index]
            if result is None:  # its worker died: do it here
                result = Inventory()
                analyze_files(per_file, root, repo_key, chunk, result, no_progress)
            out.extend(result)
        out.extend(linked)


_worker_analyzers: list[FileAnalyzer] = []


def _init_worker(factory: AnalyzersFactory) -> None:
    global _worker_analyzers
    _worker_analyzers = [a for a in factory() if not is_cross_file(a)]


def _analyze_chunk(root: str, repo_key: str, chunk: list[WalkedFile]) -> Inventory:
    out = Inventory()
    analyze_files(_worker_analyzers, Path(root), repo_key, chunk, out, no_progress)
    return out


def analyze_files(
    analyzers: Sequence[FileAnalyzer],
    root: Path,
    repo_key: str,
    files: Sequence[WalkedFile],
    out: Inventory,
    progress: Progress,
) -> None:
    """Run every analyzer that wants it over each file, in order."""
    total = len(files)
    for done, walked in enumerate(files, start=1):
        source = SourceFile(root, walked.path, walked.rel, walked.size, repo_key)
        analyze_file(analyzers, source, out)
        progress(done, total, walked.rel)


def analyze_file(analyzers: Sequence[FileAnalyzer], source: SourceFile, out: Inventory) -> None:
    """One file through the analyzers; failures become warnings, never exceptions."""
    unreadable = False
    for analyzer in analyzers:
        try:
            if not analyzer.wants(source):
                continue
            analyzer.analyze(source, out)
        except UnreadableFile as exc:
            # one warning per file; analyzers that read only bytes (model files) still run
            if not unreadable:
                out.warn(analyzer.name, f"skipped: {exc}", source.location())
            unreadable = True
        except RecursionError:
            out.warn(analyzer.name, "skipped: structure nested too deeply to analyse", source.location())
        except Exception as exc:  # a bug in one analyzer must not lose the rest of the scan
            out.warn(
                analyzer.name,
                f"internal error while analysing ({type(exc).__name__}: {exc}); please report it",
                source.location(),
            )
