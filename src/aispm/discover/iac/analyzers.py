"""File analyzers of infrastructure as code: Terraform, Terraform plans, CloudFormation."""

from __future__ import annotations

from pathlib import Path

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile, UnreadableFile, ensure_file_asset
from aispm.discover.iac.cloudformation import (
    TemplateError,
    load_template,
    looks_like_template,
    template_resources,
)
from aispm.discover.iac.emit import emit
from aispm.discover.iac.plan import PlanError, looks_like_plan, plan_modules
from aispm.discover.iac.terraform import TerraformModule

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _file_asset(file: SourceFile, out: Inventory, engine: str) -> str:
    return ensure_file_asset(file, out, iac=engine)


class TerraformAnalyzer:
    """All ``.tf`` (and ``.tfvars``) files of a directory, read as one module when the first is met."""

    name = "terraform"
    cross_file = True
    """A module is read a directory at a time (resources refer to each other across files)."""

    def __init__(self) -> None:
        self._done: set[Path] = set()

    def wants(self, file: SourceFile) -> bool:
        return file.suffix == ".tf"

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        directory = file.path.parent
        if directory in self._done:
            return
        self._done.add(directory)
        dir_rel = file.rel.rsplit("/", 1)[0] if "/" in file.rel else "."
        module = TerraformModule(directory=dir_rel)
        siblings: dict[str, SourceFile] = {}
        for path in sorted(directory.iterdir()):
            if not path.is_file():
                continue
            is_vars = path.name == "terraform.tfvars" or path.name.endswith(".auto.tfvars")
            if path.suffix != ".tf" and not is_vars:
                continue
            rel = path.name if dir_rel == "." else f"{dir_rel}/{path.name}"
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
            out.warn(self.name, message, siblings[rel].location() if rel in siblings else None)
        resources = list(module.evaluate())
        emit(
            resources,
            out,
            lambda rel: _file_asset(siblings[rel], out, "terraform") if rel in siblings else None,
        )


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
        return file.suffix in _TEMPLATE_SUFFIXES and looks_like_template(file.head(4096))

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        try:
            data = load_template(text, is_json=text.lstrip().startswith("{"))
        except TemplateError as exc:
            out.warn(self.name, str(exc), file.location())
            return
        resources = template_resources(data, text, file.rel)
        emit(resources, out, lambda _rel: _file_asset(file, out, "cloudformation"))
