"""Kubernetes: AI workloads in manifests, Helm charts and live clusters.

Public API::

    from aispm.discover.kubernetes import manifest_analyzers, KubernetesCollector
    manifest_analyzers()                      # FileAnalyzers: manifests (+ Helm charts)
    KubernetesCollector(context=None, kubeconfig=None).collect()   # a live cluster

See docs/iac-kubernetes.md.
"""

from __future__ import annotations

from aispm.discover.code.base import FileAnalyzer


def manifest_analyzers() -> list[FileAnalyzer]:
    """Analyzers of Kubernetes manifests and Helm charts."""
    from aispm.discover.kubernetes.helm import HelmChartAnalyzer
    from aispm.discover.kubernetes.manifests import KubernetesManifestAnalyzer

    manifests = KubernetesManifestAnalyzer()
    return [manifests, HelmChartAnalyzer(manifests)]


__all__ = ["manifest_analyzers"]
