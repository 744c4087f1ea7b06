"""Kubernetes manifests in a repository: multi-document YAML (plain, Kustomize output) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from aispm.core.model import Inventory, Location
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.kubernetes.graph import K8sGraph

_SUFFIXES = (".yaml", ".yml", ".json")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (several times faster), with the same safe constructors."""


def documents(text: str) -> Iterator[tuple[int, Any]]:
    """(first line, value) of each YAML document; raises yaml.YAMLError on malformed YAML."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            yield node.start_mark.line + 1, loader.construct_document(node)
    finally:
        loader.dispose()


def is_k8s_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("apiVersion"), str)
        and isinstance(value.get("kind"), str)
    )


class KubernetesManifestAnalyzer:
    """Adds AI workloads declared in manifest files; links Services, Ingresses and RBAC across files."""

    name = "kubernetes"
    cross_file = True
    """Services, Ingresses and RBAC bindings refer to workloads in other files."""

    def __init__(self) -> None:
        self._graphs: dict[str, K8sGraph] = {}

    def wants(self, file: SourceFile) -> bool:
        if file.suffix not in _SUFFIXES:
            return False
        head = file.head(4096)
        return b"apiVersion" in head and b"kind" in head and b"{{" not in head

    def graph(self, file: SourceFile, out: Inventory) -> K8sGraph:
        graph = self._graphs.get(file.repo_key)
        if graph is None or graph.out is not out:
            graph = self._graphs[file.repo_key] = K8sGraph(out, scope=f"manifests:{file.repo_key}")
        return graph

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        if _in_chart_templates(file.path):
            return  # rendered by the Helm analyzer with the chart's values (and conditions)
        text = file.text()
        if "{{" in text:
            return  # a template (Helm): rendered by the Helm analyzer
        try:
            docs = [(1, json.loads(text))] if file.suffix == ".json" else list(documents(text))
        except (yaml.YAMLError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.warn(self.name, f"not valid YAML/JSON: {first[:200]}", file.location())
            return
        add_documents(self.graph(file, out), file, docs, out)


def _in_chart_templates(path: Path) -> bool:
    """A file under a Helm chart's ``templates/`` (a chart may install it or not)."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


def add_documents(
    graph: K8sGraph, file: SourceFile, docs: list[tuple[int, Any]], out: Inventory, path: str | None = None
) -> None:
    """Add the Kubernetes objects among ``docs`` to the graph, located in ``file`` (or ``path``)."""
    before = len(out)
    for line, doc in docs:
        if is_k8s_object(doc):
            graph.add(doc, Location(path=path or file.rel, line=line))
    if len(out) > before:
        ensure_file_asset(file, out, kubernetes=True)
