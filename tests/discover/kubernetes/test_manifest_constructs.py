"""Manifest shapes found in public repositories: Kustomize patches, KServe serving runtimes,
authentication configured in a mounted config file, renamed images.  Fixtures are minimal ones
written for each case."""

from __future__ import annotations

from pathlib import Path

from aispm.core.model import Asset, Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.kubernetes import manifest_analyzers
from aispm.posture import evaluate, load_policy


def _scan(root: Path, files: dict[str, str]) -> Inventory:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return RepositoryCollector(root, manifest_analyzers()).collect()


def _workloads(inventory: Inventory) -> dict[str, Asset]:
    return {a.name: a for a in inventory.assets if a.kind.value == "workload"}


def test_a_patch_without_images_is_not_a_workload(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "base/ollama.yaml": """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: llm}
spec:
  template:
    metadata: {labels: {app: llm}}
    spec:
      containers: [{name: llm, image: ollama/ollama:0.3.12}]
""",
            "overlays/gpu/patch.yaml": """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: llm}
spec:
  template:
    spec:
      containers:
        - name: llm
          resources: {limits: {nvidia.com/gpu: "1"}}
""",
        },
    )
    assert set(_workloads(inventory)) == {"default/StatefulSet/llm"}


def test_serving_runtime_containers_are_read(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "runtime.yaml": """
apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata: {name: llm-runtime}
spec:
  supportedModelFormats: [{name: pytorch, autoSelect: true}]
  containers:
    - name: kserve-container
      image: registry.example.com/serving/vllm-openai:0.6.3
      command: [/bin/sh, -c]
      args: ["python3 -m vllm.entrypoints.openai.api_server --model /mnt/models --port 8080"]
""",
        },
    )
    runtime = _workloads(inventory)["default/ClusterServingRuntime/llm-runtime"]
    assert runtime.properties["servers"] == ["kserve", "vllm"]
    assert runtime.properties["images"] == ["registry.example.com/serving/vllm-openai:0.6.3"]


_PROXY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: proxy, namespace: ai}
spec:
  template:
    metadata: {labels: {app: proxy}}
    spec:
      containers:
        - name: proxy
          image: ghcr.io/berriai/litellm:main-v1.50.0
          args: [--config, /app/conf/proxy.yaml]
          env:
            - name: GATEWAY_KEY
              valueFrom: {secretKeyRef: {name: gateway, key: key}}
          volumeMounts: [{name: conf, mountPath: /app/conf}]
      volumes: [{name: conf, configMap: {name: proxy-config}}]
---
apiVersion: v1
kind: Service
metadata: {name: proxy, namespace: ai}
spec:
  type: LoadBalancer
  selector: {app: proxy}
  ports: [{port: 4000}]
"""


def _config(settings: str) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-config, namespace: ai}\n"
        "data:\n  proxy.yaml: |\n    model_list: []\n" + settings
    )


def test_a_master_key_in_the_mounted_config_file_authenticates(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "a/proxy.yaml": _PROXY,  # the ConfigMap comes after the workload that mounts it
            "b/config.yaml": _config("    general_settings:\n      master_key: os.environ/GATEWAY_KEY\n"),
        },
    )
    proxy = _workloads(inventory)["ai/Deployment/proxy"]
    assert proxy.properties["auth"] is True
    assert proxy.properties["auth_source"] == "ConfigMap/proxy-config (/app/conf/proxy.yaml)"
    findings, _ = evaluate(inventory, load_policy(None))
    assert not [f for f in findings if f.rule_id == "AISPM-K8S-001"]


def test_a_config_file_without_a_master_key_leaves_the_proxy_open(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "proxy.yaml": _PROXY,
            "config.yaml": _config("    general_settings:\n      master_key: os.environ/UNSET_VARIABLE\n"),
        },
    )
    assert _workloads(inventory)["ai/Deployment/proxy"].properties["auth"] is False
    findings, _ = evaluate(inventory, load_policy(None))
    assert [f.status for f in findings if f.rule_id == "AISPM-K8S-001"] == ["fail"]


def test_open_webui_under_its_former_image_name(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "webui.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: webui}
spec:
  template:
    spec:
      containers: [{name: ui, image: ghcr.io/ollama-webui/ollama-webui:main}]
""",
        },
    )
    assert _workloads(inventory)["default/Deployment/webui"].properties["server"] == "open-webui"
