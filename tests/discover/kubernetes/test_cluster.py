"""The live-cluster path: the real ``kubernetes`` client, a kubeconfig, and a stub API server over HTTP.

There is no Kubernetes API server here; the stub serves list responses shaped like the real API
(``DeploymentList`` items without kind/apiVersion, 404 for CRDs that are not installed, 403 for a
forbidden list) so the collector's requests, authentication header and parsing are exercised.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aispm.discover.kubernetes.cluster import ClusterError, KubernetesCollector
from aispm.posture import evaluate
from aispm.posture.policy import policy_from_dict

TOKEN = "stub-token-123"


def _list(kind: str, items: list[dict[str, Any]], api: str = "v1") -> dict[str, Any]:
    return {"kind": f"{kind}List", "apiVersion": api, "metadata": {"resourceVersion": "1"}, "items": items}


RESPONSES: dict[str, Any] = {
    "/apis/apps/v1/deployments": _list(
        "Deployment",
        [
            {
                "metadata": {"name": "ollama", "namespace": "ai", "uid": "u1"},
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": "ollama"}},
                        "spec": {
                            "containers": [
                                {
                                    "name": "o",
                                    "image": "ollama/ollama:0.3.12",
                                    "ports": [{"containerPort": 11434, "protocol": "TCP"}],
                                }
                            ]
                        },
                    }
                },
            },
            {
                "metadata": {"name": "api", "namespace": "ai"},
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": "api"}},
                        "spec": {"containers": [{"name": "api", "image": "acme/api:1"}]},
                    }
                },
            },
        ],
        "apps/v1",
    ),
    "/api/v1/services": _list(
        "Service",
        [
            {
                "metadata": {"name": "ollama", "namespace": "ai"},
                "spec": {"type": "LoadBalancer", "selector": {"app": "ollama"}, "ports": [{"port": 11434}]},
            },
        ],
    ),
    "/api/v1/pods": _list(
        "Pod",
        [
            {
                "metadata": {
                    "name": "ollama-abc",
                    "namespace": "ai",
                    "ownerReferences": [{"kind": "ReplicaSet"}],
                },
                "spec": {"containers": [{"name": "o", "image": "ollama/ollama:0.3.12"}]},
            },
            {
                "metadata": {"name": "jupyter", "namespace": "lab"},
                "spec": {
                    "hostNetwork": True,
                    "containers": [
                        {
                            "name": "j",
                            "image": "quay.io/jupyter/base-notebook:2024-05-27",
                            "args": ["--IdentityProvider.token="],
                        }
                    ],
                },
            },
        ],
    ),
    "/apis/ray.io/v1/rayclusters": _list(
        "RayCluster",
        [
            {
                "metadata": {"name": "ray", "namespace": "ml"},
                "spec": {
                    "headGroupSpec": {
                        "serviceType": "ClusterIP",
                        "template": {
                            "spec": {"containers": [{"name": "h", "image": "rayproject/ray:2.9.0"}]}
                        },
                    }
                },
            },
        ],
        "ray.io/v1",
    ),
}
FORBIDDEN = {"/api/v1/configmaps"}


class _Stub(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        _Stub.seen.append((path, self.headers.get("Authorization")))
        if path in FORBIDDEN:
            self._json(
                403,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "Forbidden",
                    "code": 403,
                },
            )
        elif path in RESPONSES:
            self._json(200, RESPONSES[path])
        elif path.startswith("/apis/") and not path.startswith(
            ("/apis/apps/", "/apis/batch/", "/apis/networking", "/apis/rbac")
        ):
            self._json(
                404,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                },
            )
        else:
            kind = path.rsplit("/", 1)[-1]
            self._json(200, _list(kind, []))

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "stub",
                "clusters": [
                    {"name": "stub", "cluster": {"server": f"http://127.0.0.1:{server.server_address[1]}"}}
                ],
                "users": [{"name": "u", "user": {"token": TOKEN}}],
                "contexts": [
                    {"name": "stub", "context": {"cluster": "stub", "user": "u"}},
                    {"name": "other", "context": {"cluster": "stub", "user": "u"}},
                ],
            }
        )
    )
    yield path
    server.shutdown()
    server.server_close()


def test_live_cluster_inventory_and_rules(kubeconfig: Path) -> None:
    inventory = KubernetesCollector(context="other", kubeconfig=str(kubeconfig)).collect()
    workloads = {a.name: a for a in inventory.assets if a.kind.value == "workload"}
    assert set(workloads) == {"ai/Deployment/ollama", "lab/Pod/jupyter", "ml/RayCluster/ray"}
    assert workloads["ai/Deployment/ollama"].id.startswith("urn:aispm:k8s:workload:other:")
    assert all(auth == f"Bearer {TOKEN}" for _, auth in _Stub.seen)
    gaps = [w for w in inventory.warnings if w.kind == "coverage_gap"]
    assert len(gaps) == 1 and "ConfigMap" in gaps[0].message  # 403; missing CRDs (404) are silent
    findings, _ = evaluate(inventory, policy_from_dict({}))
    exposed = {
        f.asset_id.rsplit(":", 3)[-3] + "/" + f.asset_id.rsplit(":", 1)[-1]
        for f in findings
        if f.rule_id == "AISPM-K8S-001"
    }
    assert exposed == {"ai/ollama", "lab/jupyter"}  # the ClusterIP Ray head is not exposed


def test_unknown_context_is_a_target_error(kubeconfig: Path) -> None:
    with pytest.raises(ClusterError, match="nope"):
        KubernetesCollector(context="nope", kubeconfig=str(kubeconfig)).check_target()
