"""A live cluster through the official ``kubernetes`` client and a kubeconfig.

Lists workloads, Services, Ingresses, ConfigMaps, RBAC and the AI custom resources across all
namespaces with the client's authenticated ``ApiClient`` (raw JSON responses, so objects have the
same camelCase shape as manifests) and feeds them to the same :class:`K8sGraph` as manifest files.
A custom resource that is not installed (404) is skipped; a list that is forbidden (403) becomes
a ``coverage_gap`` warning, so rules over it are known to be incomplete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aispm.core.model import Inventory, Location
from aispm.discover.base import Progress, no_progress
from aispm.discover.kubernetes.graph import K8sGraph

_KINDS: tuple[tuple[str, str], ...] = (
    # (apiVersion, kind) — RBAC first so links are complete when workloads arrive
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "Ingress"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Pod"),
    ("serving.kserve.io/v1beta1", "InferenceService"),
    ("ray.io/v1", "RayCluster"),
    ("ray.io/v1", "RayService"),
    ("machinelearning.seldon.io/v1", "SeldonDeployment"),
    ("apps.nvidia.com/v1alpha1", "NIMService"),
)


def _list_path(api_version: str, kind: str) -> str:
    """The path listing ``kind`` in every namespace: ``/api/v1/pods``, ``/apis/apps/v1/deployments``."""
    plural = kind.lower() + ("es" if kind.endswith("ss") else "s")
    return f"/{'api' if api_version == 'v1' else 'apis'}/{api_version}/{plural}"


LISTS: tuple[tuple[str, str, str], ...] = tuple((_list_path(v, k), v, k) for v, k in _KINDS)
"""(path, apiVersion, kind) of the lists read, in order."""

_CORE = frozenset({"v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"})


class ClusterError(Exception):
    """The cluster cannot be reached at all (no kubeconfig, unknown context)."""


@dataclass(slots=True)
class KubernetesCollector:
    """Discovers AI workloads in the cluster of a kubeconfig context."""

    context: str | None = None
    kubeconfig: str | None = None
    name: str = "kubernetes"

    def _client(self) -> tuple[Any, str]:
        from kubernetes import config
        from kubernetes.config.config_exception import ConfigException

        try:
            contexts, active = config.list_kube_config_contexts(config_file=self.kubeconfig)
            chosen = self.context or (active or {}).get("name")
            if self.context and self.context not in {c["name"] for c in contexts}:
                raise ClusterError(f"context {self.context!r} is not in the kubeconfig")
            client = config.new_client_from_config(config_file=self.kubeconfig, context=chosen)
        except (ConfigException, OSError, TypeError) as exc:
            raise ClusterError(f"cannot load kubeconfig: {exc}") from None
        return client, str(chosen)

    def check_target(self) -> None:
        """Raise :class:`ClusterError` when the kubeconfig or context cannot be used."""
        client, _ = self._client()
        client.close()

    def collect(self, progress: Progress = no_progress) -> Inventory:
        from kubernetes.client.exceptions import ApiException

        client, context = self._client()
        out = Inventory()
        graph = K8sGraph(out, scope=context)
        try:
            for done, (path, api_version, kind) in enumerate(LISTS, start=1):
                progress(done, len(LISTS), path)
                try:
                    response = client.call_api(
                        path,
                        "GET",
                        auth_settings=["BearerToken"],
                        _preload_content=False,
                        _request_timeout=30,
                        header_params={"Accept": "application/json"},
                    )
                    data = json.loads(response[0].data if isinstance(response, tuple) else response.data)
                except (ApiException, OSError, ValueError) as exc:
                    if isinstance(exc, ApiException) and exc.status == 404 and api_version not in _CORE:
                        continue  # the custom resource is not installed
                    reason = f"HTTP {exc.status} {exc.reason}" if isinstance(exc, ApiException) else str(exc)
                    out.warn(
                        self.name,
                        f"cannot list {kind} ({path}): {reason}",
                        Location(uri=f"k8s://{context}{path}"),
                        kind="coverage_gap",
                    )
                    continue
                for item in data.get("items") or []:
                    if not isinstance(item, dict):
                        continue
                    if kind == "Pod" and (item.get("metadata") or {}).get("ownerReferences"):
                        continue  # reported through its controller
                    item.setdefault("apiVersion", api_version)
                    item.setdefault("kind", kind)
                    meta = item.get("metadata") or {}
                    where = f"k8s://{context}/{meta.get('namespace', '')}/{kind}/{meta.get('name')}"
                    graph.add(item, Location(uri=where))
        finally:
            client.close()
        return out
