"""Scan targets: a keyword names a cloud, cluster or runtime source (``aws``, ``k8s``, ``guard``),
anything else is a path.

Each source registers a factory that turns the CLI's options into a collector.  ``aispm scan
./repo aws`` therefore runs the repository collector and the AWS collector into one inventory.
A folder whose name is a keyword is scanned as a folder when given as a path (``./aws``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aispm.discover.base import Collector

SourceOptions = Mapping[str, Any]
"""Options of one source (``{"profile": ..., "regions": [...], "role_arns": [...],
"model_scan": bool}`` for aws,
``{"db": ..., "since": ISO time}`` for guard: the blocked requests the gateway recorded in that
database)."""
CollectorFactory = Callable[[SourceOptions], Collector]

_FACTORIES: dict[str, CollectorFactory] = {}


def register(keyword: str, factory: CollectorFactory) -> None:
    """Make ``keyword`` a scan target built by ``factory``."""
    _FACTORIES[keyword] = factory


def keywords() -> list[str]:
    return sorted(_FACTORIES)


def is_source(target: str) -> bool:
    """Whether ``target`` names a registered source rather than a path."""
    return target in _FACTORIES


def make_collector(keyword: str, options: Mapping[str, SourceOptions]) -> Collector:
    """The collector of ``keyword`` with its options (``options[keyword]``, empty if absent)."""
    return _FACTORIES[keyword](options.get(keyword, {}))


def _aws(options: SourceOptions) -> Collector:
    from aispm.discover.aws import AwsCollector, AwsOptions

    return AwsCollector(
        AwsOptions(
            profile=options.get("profile") or None,
            regions=tuple(options.get("regions") or ()),
            role_arns=tuple(options.get("role_arns") or ()),
            max_workers=int(options.get("max_workers") or 16),
            external_id=options.get("external_id") or None,
            model_scan=bool(options.get("model_scan", True)),
        )
    )


register("aws", _aws)


def _k8s(options: SourceOptions) -> Collector:
    from aispm.discover.kubernetes.cluster import KubernetesCollector

    return KubernetesCollector(
        context=options.get("context") or None, kubeconfig=options.get("kubeconfig") or None
    )


register("k8s", _k8s)


def _guard(options: SourceOptions) -> Collector:
    from aispm.guard.findings import GuardCollector

    return GuardCollector(options.get("db") or None, since=options.get("since") or None)


register("guard", _guard)
