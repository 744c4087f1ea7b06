"""The repository collector: walk a tree once and hand each file to the analyzers that want it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aispm.core.model import Asset, AssetKind, Inventory, Location
from aispm.discover.base import Progress, no_progress
from aispm.discover.code.base import FileAnalyzer, SourceFile, UnreadableFile
from aispm.discover.code.walker import WalkedFile, WalkIssue, repository_key, walk


class ScanTargetError(Exception):
    """The scan target itself cannot be scanned (missing, not a directory, unreadable)."""


class RepositoryCollector:
    """Discovers AI assets in a directory or git checkout.  Nothing it reads is executed."""

    name = "code"

    def __init__(self, root: Path, analyzers: Sequence[FileAnalyzer]) -> None:
        self.root = root
        self.analyzers = list(analyzers)

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
        repo = Asset(
            id=SourceFile(root, root, ".", 0, repo_key).repo_id,
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
        total = len(files)
        for done, walked in enumerate(files, start=1):
            source = SourceFile(root, walked.path, walked.rel, walked.size, repo_key)
            self._analyze(source, out)
            progress(done, total, walked.rel)
        out.add(Asset(repo.id, repo.kind, repo.name, repo.provider, properties={"files_scanned": total}))
        return out

    def _analyze(self, source: SourceFile, out: Inventory) -> None:
        unreadable = False
        for analyzer in self.analyzers:
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
