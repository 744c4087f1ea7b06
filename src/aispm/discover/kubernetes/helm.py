"""Helm charts rendered with their default values, without the ``helm`` binary.

When ``helm`` is on PATH ``helm template`` is not run either: rendering a chart only needs value
substitution, and running a binary from a scan is what aispm avoids.  The chart's ``values.yaml``
is the values; ``templates/*.yaml`` (and ``*.tpl`` helpers) are rendered with the safe subset of
:mod:`aispm.discover.kubernetes.helm_template`.  A template using anything outside the subset is
skipped with a warning that names the construct.  Sub-charts in ``charts/`` are rendered as charts
of their own with their own defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile, UnreadableFile
from aispm.discover.kubernetes.helm_template import Renderer, Unsupported, parse
from aispm.discover.kubernetes.manifests import KubernetesManifestAnalyzer, add_documents, documents


def render_chart(chart_dir: Path, read: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Render a chart: ([(template rel path, rendered text)], [(template rel path, warning)]).

    ``read(path) -> str`` reads a file of the chart (size limits apply there).
    """
    chart = yaml.safe_load(read(chart_dir / "Chart.yaml")) or {}
    values_path = chart_dir / "values.yaml"
    values = (yaml.safe_load(read(values_path)) or {}) if values_path.is_file() else {}
    root = {
        "Values": values,
        "Release": {"Name": "release-name", "Namespace": "default", "Service": "Helm", "IsInstall": True},
        "Chart": {
            "Name": chart.get("name"),
            "Version": chart.get("version"),
            "AppVersion": chart.get("appVersion"),
        },
    }
    templates = chart_dir / "templates"
    files = sorted(p for p in templates.rglob("*") if p.is_file()) if templates.is_dir() else []
    defines: dict[str, Any] = {}
    parsed: list[tuple[Path, Any]] = []
    warnings: list[tuple[str, str]] = []
    for path in files:
        if path.suffix not in (".yaml", ".yml", ".tpl", ".json"):
            continue
        try:
            body, defs = parse(read(path))
        except Unsupported as exc:
            warnings.append((str(path), f"Helm template not rendered: {exc}"))
            continue
        defines.update(defs)
        if path.suffix != ".tpl" and not path.name.startswith("_"):
            parsed.append((path, body))
    rendered = []
    for path, body in parsed:
        try:
            rendered.append((str(path), Renderer(root, defines).render(body)))
        except Unsupported as exc:
            warnings.append((str(path), f"Helm template not rendered: {exc}"))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
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
        base = file.rel.rsplit("/", 1)[0] + "/" if "/" in file.rel else ""

        def read(path: Path) -> str:
            rel = base + path.relative_to(chart_dir).as_posix()
            return SourceFile(file.root, path, rel, path.stat().st_size, file.repo_key).text()

        try:
            rendered, warnings = render_chart(chart_dir, read)
        except (UnreadableFile, yaml.YAMLError, OSError) as exc:
            out.warn(self.name, f"chart not rendered: {str(exc).splitlines()[0][:200]}", file.location())
            return
        for path, message in warnings:
            out.warn(
                self.name,
                message,
                SourceFile(
                    file.root,
                    Path(path),
                    base + Path(path).relative_to(chart_dir).as_posix(),
                    0,
                    file.repo_key,
                ).location(),
            )
        graph = self.manifests.graph(file, out)
        for path, text in rendered:
            rel = base + Path(path).relative_to(chart_dir).as_posix()
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
