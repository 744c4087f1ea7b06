"""File analyzers of infrastructure as code: Terraform, Terraform plans, CloudFormation."""

from __future__ import annotations

import re
from pathlib import Path

from aispm.core.model import Inventory, Location
from aispm.discover.code.base import SourceFile, UnreadableFile, ensure_file_asset
from aispm.discover.code.walker import WalkIssue, walk
from aispm.discover.iac.cloudformation import (
    HEAD_BYTES,
    TemplateError,
    load_template,
    looks_like_template,
    template_resources,
)
from aispm.discover.iac.emit import emit
from aispm.discover.iac.hcl_eval import FileReader
from aispm.discover.iac.plan import PlanError, looks_like_plan, plan_modules
from aispm.discover.iac.terraform import TerraformModule

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _file_asset(file: SourceFile, out: Inventory, engine: str) -> str:
    return ensure_file_asset(file, out, iac=engine)


class TerraformAnalyzer:
    """All ``.tf`` (and ``.tfvars``) files of a directory, read as one module when the first is met.

    Local modules it calls (``source = "./modules/x"`` or ``"../x"``) are instantiated with its
    arguments under ``module.<name>.``; a directory called that way by a module of the tree is
    read only through its callers, not again on its own.  Remote sources are not followed.
    """

    name = "terraform"
    cross_file = True
    """A module is read a directory at a time (resources refer to each other across files)."""

    MAX_DEPTH = 8
    """Deepest chain of local module calls followed."""

    def __init__(self) -> None:
        self._done: set[Path] = set()
        self._called: set[Path] | None = None
        self._reported: set[tuple[str, str]] = set()

    def wants(self, file: SourceFile) -> bool:
        return file.suffix == ".tf"

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        directory = file.path.parent
        if directory in self._done:
            return
        self._done.add(directory)
        if self._called is None:
            self._called = _called_directories(file.root)
        if directory.resolve() in self._called:
            return  # a local module: read with its callers' arguments
        dir_rel = file.rel.rsplit("/", 1)[0] if "/" in file.rel else "."
        module = TerraformModule(directory=dir_rel, files=_reader(directory, file))
        siblings: dict[str, SourceFile] = {}
        self._read(directory, module, file, out, siblings, root_module=True)
        self._instantiate(module, directory, file, out, siblings, (directory.resolve(),))
        resources = list(module.evaluate())
        for rel, line, message in _notes(module):
            loc = siblings[rel].location() if rel in siblings else None
            out.warn(self.name, message, Location(path=loc.path, line=line) if loc else None, kind="info")
        emit(
            resources,
            out,
            lambda rel: _file_asset(siblings[rel], out, "terraform") if rel in siblings else None,
        )

    def _read(
        self,
        directory: Path,
        module: TerraformModule,
        file: SourceFile,
        out: Inventory,
        siblings: dict[str, SourceFile],
        root_module: bool,
    ) -> None:
        """Parse the ``.tf`` files (and, for a root module, tfvars) of ``directory`` into ``module``."""
        root = file.root.resolve()
        for path in sorted(directory.iterdir()):
            if not path.is_file():
                continue
            is_vars = path.name == "terraform.tfvars" or path.name.endswith(".auto.tfvars")
            if path.suffix != ".tf" and not (is_vars and root_module):
                continue
            rel = path.resolve().relative_to(root).as_posix()
            sibling = (
                file
                if path == file.path
                else SourceFile(file.root, path, rel, path.stat().st_size, file.repo_key)
            )
            try:
                text = sibling.text()
            except UnreadableFile as exc:
                out.warn(self.name, f"skipped: {exc}", sibling.location())
                continue
            if is_vars:
                module.add_tfvars(rel, text)
            else:
                siblings[rel] = sibling
                module.add_file(rel, text)
        for rel, message in module.errors:
            if (rel, message) not in self._reported:  # a module called twice fails to parse once
                self._reported.add((rel, message))
                out.warn(self.name, message, siblings[rel].location() if rel in siblings else None)

    def _instantiate(
        self,
        module: TerraformModule,
        directory: Path,
        file: SourceFile,
        out: Inventory,
        siblings: dict[str, SourceFile],
        chain: tuple[Path, ...],
    ) -> None:
        """Read every local module ``module`` calls, once per instance, with the caller's arguments."""
        root = file.root.resolve()
        for call in module.module_calls:
            source = module.source_of(call)
            where = siblings[call.file].location() if call.file in siblings else None
            loc = Location(path=where.path, line=call.line) if where else None
            label = f"{module.prefix}module.{call.name}"
            if not source.startswith(("./", "../")):
                out.warn(
                    self.name,
                    f"{label}: source {source or '?'!r} is not a local directory; not followed",
                    loc,
                    kind="info",
                )
                continue
            target = (directory / source).resolve()
            if not target.is_dir() or not target.is_relative_to(root):
                out.warn(self.name, f"{label}: module directory {source!r} not found in the scan", loc)
                continue
            if target in chain or len(chain) > self.MAX_DEPTH:
                out.warn(self.name, f"{label}: module calls nest too deep or loop; not followed", loc)
                continue
            self._done.add(target)
            for suffix, inputs, input_refs in module.module_instances(call):
                child = TerraformModule(
                    directory=module.directory,
                    prefix=f"{module.prefix}module.{call.name}{suffix}.",
                    inputs=inputs,
                    input_refs=input_refs,
                    files=_reader(target, file),
                )
                self._read(target, child, file, out, siblings, root_module=False)
                module.children[call.name + suffix] = child
                self._instantiate(child, target, file, out, siblings, (*chain, target))


def _reader(directory: Path, file: SourceFile) -> FileReader:
    """Reads files of ``directory`` for ``file()`` / ``templatefile()``: only inside the scanned
    tree, through the size limit and binary check of :class:`SourceFile`."""
    root = file.root.resolve()

    def read(rel: str) -> str | None:
        path = (directory / rel).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        try:
            return SourceFile(
                file.root, path, path.relative_to(root).as_posix(), path.stat().st_size, file.repo_key
            ).text()
        except (UnreadableFile, OSError):
            return None

    return read


def _notes(module: TerraformModule) -> list[tuple[str, int | None, str]]:
    """What could not be evaluated in a module and its called modules."""
    out = list(module.notes)
    for child in module.children.values():
        out.extend(_notes(child))
    return out


_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


def _called_directories(root: Path) -> set[Path]:
    """Directories of the tree that a ``.tf`` file of the tree calls as a local module."""
    out: set[Path] = set()
    for item in walk(root):
        if isinstance(item, WalkIssue) or not item.rel.endswith(".tf"):
            continue
        try:
            text = item.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "module" not in text:
            continue
        for match in _LOCAL_SOURCE.finditer(text):
            target = (item.path.parent / match.group(1)).resolve()
            if target != item.path.parent.resolve():
                out.add(target)
    return out


class TerraformPlanAnalyzer:
    """``terraform show -json`` output."""

    name = "terraform-plan"

    def wants(self, file: SourceFile) -> bool:
        return file.suffix == ".json" and looks_like_plan(file.head(4096))

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        try:
            modules = list(plan_modules(file.text(), file.rel))
        except PlanError as exc:
            out.warn(self.name, str(exc), file.location())
            return
        for resources in modules:
            emit(resources, out, lambda _rel: _file_asset(file, out, "terraform-plan"))


class CloudFormationAnalyzer:
    """CloudFormation templates in YAML (short-form tags included) or JSON."""

    name = "cloudformation"

    def wants(self, file: SourceFile) -> bool:
        return file.suffix in _TEMPLATE_SUFFIXES and looks_like_template(file.head(HEAD_BYTES))

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        try:
            data = load_template(text, is_json=text.lstrip().startswith("{"))
        except TemplateError as exc:
            out.warn(self.name, str(exc), file.location())
            return
        resources = template_resources(data, text, file.rel)
        emit(resources, out, lambda _rel: _file_asset(file, out, "cloudformation"))
