"""Helm charts rendered with their default values, without the ``helm`` binary.

When ``helm`` is on PATH ``helm template`` is not run either: rendering a chart only needs value
substitution, and running a binary from a scan is what aispm avoids.  The chart's ``values.yaml``
is the values; ``templates/`` (and ``*.tpl`` helpers) are rendered with the Go-template subset of
:mod:`aispm.discover.kubernetes.helm_template`, with the data Helm provides (``.Chart`` from
``Chart.yaml``, ``.Files``, ``.Template``, ``.Capabilities`` of a default cluster).  A template
using anything outside the subset is skipped with a warning that names the construct.

Sub-charts unpacked under ``charts/`` are rendered as Helm installs them: with the parent's
``values.<name or alias>`` and ``global`` over their own defaults, and not at all when the parent's
dependency ``condition`` is false.  Named templates of every chart of the tree (library charts
such as Bitnami's ``common`` included) can be used by the others, as in Helm.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile, UnreadableFile
from aispm.discover.kubernetes.helm_template import Renderer, Unsupported, capabilities, files, parse
from aispm.discover.kubernetes.manifests import KubernetesManifestAnalyzer, add_documents, documents

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".json")
_CHART_FIELDS = {"apiVersion": "APIVersion", "appVersion": "AppVersion", "kubeVersion": "KubeVersion"}

Reader = Callable[[Path], str]


def _load(read: Reader, path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = yaml.safe_load(read(path))
    return data if isinstance(data, dict) else {}


def _chart_object(chart: dict[str, Any]) -> dict[str, Any]:
    """``.Chart``: the Chart.yaml fields under Helm's Go names (``appVersion`` -> ``AppVersion``)."""
    return {_CHART_FIELDS.get(k, k[:1].upper() + k[1:]): v for k, v in chart.items()}


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _dig(values: dict[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.strip().split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _parent_chart(chart_dir: Path) -> Path | None:
    parent = chart_dir.parent.parent
    if chart_dir.parent.name == "charts" and (parent / "Chart.yaml").is_file():
        return parent
    return None


def chart_values(chart_dir: Path, read: Reader, depth: int = 0) -> tuple[dict[str, Any], bool]:
    """(values, enabled) of a chart as Helm installs it: a sub-chart gets its parent's overrides
    and ``global``, and is disabled when the parent's dependency condition or tags say so."""
    values = _load(read, chart_dir / "values.yaml")
    parent = _parent_chart(chart_dir)
    if parent is None or depth > 8:
        return values, True
    parent_values, enabled = chart_values(parent, read, depth + 1)
    name = _load(read, chart_dir / "Chart.yaml").get("name") or chart_dir.name
    key = str(name)
    for dep in _load(read, parent / "Chart.yaml").get("dependencies") or []:
        if not isinstance(dep, dict) or dep.get("name") != name:
            continue
        key = str(dep.get("alias") or name)
        condition = dep.get("condition")
        decided = False
        if isinstance(condition, str):
            for path in condition.split(","):
                found = _dig(parent_values, path)
                if isinstance(found, bool):
                    enabled, decided = enabled and found, True
                    break
        tags = parent_values.get("tags") if isinstance(parent_values.get("tags"), dict) else {}
        if not decided and dep.get("tags") and isinstance(tags, dict):
            states = [tags[t] for t in dep["tags"] if isinstance(tags.get(t), bool)]
            if states:
                enabled = enabled and any(states)
        break
    override = parent_values.get(key)
    if isinstance(override, dict):
        values = _deep_merge(values, override)
    if isinstance(parent_values.get("global"), dict):
        values["global"] = _deep_merge(values.get("global") or {}, parent_values["global"])
    return values, enabled


def _charts(top: Path, depth: int = 0) -> list[Path]:
    """``top`` and the charts unpacked under its ``charts/`` (recursively)."""
    out = [top]
    subcharts = top / "charts"
    if subcharts.is_dir() and depth < 8:
        for sub in sorted(subcharts.iterdir()):
            if sub.is_dir() and (sub / "Chart.yaml").is_file():
                out.extend(_charts(sub, depth + 1))
    return out


def _tree_defines(chart_dir: Path, read: Reader, warnings: list[tuple[str, str]]) -> dict[str, Any]:
    """Named templates of the other charts of the tree (parents and unpacked sub-charts)."""
    top = chart_dir
    while (parent := _parent_chart(top)) is not None:
        top = parent
    defines: dict[str, Any] = {}
    for chart in _charts(top):
        templates = chart / "templates"
        if chart == chart_dir or not templates.is_dir():
            continue
        for helper in sorted(templates.rglob("*.tpl")):
            try:
                defines.update(parse(read(helper))[1])
            except Unsupported as exc:
                warnings.append((str(helper), f"Helm template not parsed: {exc}"))
    return defines


_SKIP_DIRS = frozenset({"templates", "charts", ".git", "node_modules", "__pycache__", ".terraform"})
_MAX_FILES = 2000


def chart_files(chart_dir: Path) -> list[str]:
    """Paths (relative) of the chart's files that ``.Files`` serves: not its templates, not its
    sub-charts, at most :data:`_MAX_FILES`."""
    out: list[str] = []
    pending = [chart_dir]
    while pending and len(out) < _MAX_FILES:
        current = pending.pop()
        for path in sorted(current.iterdir()):
            skipped = (
                path.name in _SKIP_DIRS if current == chart_dir else path.name in _SKIP_DIRS - {"templates"}
            )
            if path.is_dir() and not path.is_symlink():
                if not skipped:
                    pending.append(path)
            elif path.is_file():
                out.append(path.relative_to(chart_dir).as_posix())
    return sorted(out[:_MAX_FILES])


def render_chart(chart_dir: Path, read: Reader) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Render a chart: ([(template path, rendered text)], [(template path, warning)]).

    ``read(path) -> str`` reads a file of the chart (size limits apply there).
    """
    chart = _load(read, chart_dir / "Chart.yaml")
    values, enabled = chart_values(chart_dir, read)
    if not enabled or chart.get("type") == "library":
        return [], []
    name = str(chart.get("name") or chart_dir.name)
    templates = chart_dir / "templates"

    paths = sorted(p for p in templates.rglob("*") if p.is_file()) if templates.is_dir() else []

    def contents(rel: str) -> str | None:
        try:
            return read(chart_dir / rel)
        except (UnreadableFile, OSError):
            return None

    warnings: list[tuple[str, str]] = []
    defines: dict[str, Any] = _tree_defines(chart_dir, read, warnings)
    parsed: list[tuple[Path, str, Any]] = []
    for path in paths:
        if path.suffix not in _TEMPLATE_SUFFIXES:
            continue
        template_name = f"{name}/{path.relative_to(chart_dir).as_posix()}"
        try:
            body, defs = parse(read(path))
        except Unsupported as exc:
            warnings.append((str(path), f"Helm template not rendered: {exc}"))
            continue
        defines.update(defs)
        defines[template_name] = body
        if path.suffix in (".yaml", ".yml", ".json") and not path.name.startswith("_"):
            parsed.append((path, template_name, body))
    base: dict[str, Any] = {
        "Values": values,
        "Release": {
            "Name": "release-name",
            "Namespace": "default",
            "Service": "Helm",
            "IsInstall": True,
            "IsUpgrade": False,
            "Revision": 1,
        },
        "Chart": _chart_object(chart),
        "Capabilities": capabilities(),
        "Files": files(contents, lambda: chart_files(chart_dir)),
        "Subcharts": {},
    }
    rendered = []
    for path, template_name, body in parsed:
        root = {**base, "Template": {"Name": template_name, "BasePath": f"{name}/templates"}}
        try:
            rendered.append((str(path), Renderer(root, defines).render(body)))
        except Unsupported as exc:
            warnings.append((str(path), f"Helm template not rendered: {exc}"))
        except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
            warnings.append((str(path), f"Helm template not rendered: {type(exc).__name__}: {exc}"))
    return rendered, warnings


class HelmChartAnalyzer:
    """Renders a chart when its ``Chart.yaml`` is met and adds the workloads of the result."""

    name = "helm"
    cross_file = True
    """A chart is rendered from all of its files at once."""

    def __init__(self, manifests: KubernetesManifestAnalyzer) -> None:
        self.manifests = manifests

    def wants(self, file: SourceFile) -> bool:
        return file.name == "Chart.yaml"

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        chart_dir = file.path.parent
        root = file.root.resolve()

        def rel_of(path: Path) -> str:
            resolved = path.resolve()
            return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else path.name

        def read(path: Path) -> str:
            return SourceFile(file.root, path, rel_of(path), path.stat().st_size, file.repo_key).text()

        try:
            rendered, warnings = render_chart(chart_dir, read)
        except (UnreadableFile, yaml.YAMLError, OSError) as exc:
            out.warn(self.name, f"chart not rendered: {str(exc).splitlines()[0][:200]}", file.location())
            return
        for path, message in warnings:
            where = SourceFile(file.root, Path(path), rel_of(Path(path)), 0, file.repo_key)
            out.warn(self.name, message, where.location())
        graph = self.manifests.graph(file, out)
        for path, text in rendered:
            rel = rel_of(Path(path))
            try:
                docs = list(documents(text))
            except yaml.YAMLError as exc:
                out.warn(
                    self.name,
                    f"rendered template is not valid YAML: {str(exc).splitlines()[0][:200]}",
                    SourceFile(file.root, Path(path), rel, 0, file.repo_key).location(),
                )
                continue
            add_documents(graph, file, docs, out, path=rel)
