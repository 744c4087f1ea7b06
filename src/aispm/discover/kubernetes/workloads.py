"""Recognise AI workloads in Kubernetes objects and describe them as asset properties.

A workload is any object with a pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
Job, CronJob) or an AI custom resource (KServe InferenceService, RayCluster / RayService / RayJob,
SeldonDeployment, NIMService).  It is an AI workload when an image or command is a known model
server, it requests GPUs, or it is one of those custom resources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aispm.core.model import JSON
from aispm.core.redact import redact
from aispm.discover.kubernetes.catalog import ServerSpec, catalog, image_pinned, image_registry, match_server

POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}
_POD_KINDS = POD_OWNERS | {"Pod", "CronJob"}
_HF_ID = re.compile(r"^(?:hf://|huggingface://)?([A-Za-z0-9][\w.-]*/[\w.-]+)(?:@([\w.-]+))?$")


def pod_specs(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(role, pod spec, pod template metadata) of every pod an object would run."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        yield "pod", spec, obj.get("metadata") or {}
    elif kind in POD_OWNERS:
        template = spec.get("template") or {}
        yield "pod", template.get("spec") or {}, template.get("metadata") or {}
    elif kind == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        yield "pod", template.get("spec") or {}, template.get("metadata") or {}
    elif kind in ("RayCluster", "RayService", "RayJob"):
        cluster = spec.get("rayClusterSpec") or spec.get("rayClusterConfig") or spec
        head = (cluster.get("headGroupSpec") or {}).get("template") or {}
        yield "head", head.get("spec") or {}, head.get("metadata") or {}
        for group in cluster.get("workerGroupSpecs") or []:
            template = group.get("template") or {}
            yield (
                f"worker:{group.get('groupName', '')}",
                template.get("spec") or {},
                template.get("metadata") or {},
            )
    elif kind in ("ServingRuntime", "ClusterServingRuntime"):
        yield "runtime", spec, {}  # a pod spec (containers, volumes ...) KServe copies into predictors
    elif kind == "InferenceService":
        for role in ("predictor", "transformer", "explainer"):
            part = spec.get(role)
            if isinstance(part, dict):
                yield role, _kserve_pod(part), {}
    elif kind == "SeldonDeployment":
        for predictor in spec.get("predictors") or []:
            for cs in predictor.get("componentSpecs") or []:
                yield f"predictor:{predictor.get('name', '')}", cs.get("spec") or {}, cs.get("metadata") or {}
    elif kind == "NIMService":
        image = spec.get("image") or {}
        ref = (
            f"{image.get('repository', '')}:{image.get('tag', '')}" if isinstance(image, dict) else str(image)
        )
        container = {
            "name": "nim",
            "image": ref,
            "env": spec.get("env") or [],
            "resources": spec.get("resources"),
        }
        yield "nim", {"containers": [container]}, {}


def _kserve_pod(part: dict[str, Any]) -> dict[str, Any]:
    containers = list(part.get("containers") or [])
    for key, value in part.items():
        if isinstance(value, dict) and ("storageUri" in value or "modelFormat" in value or "image" in value):
            container = {"name": f"kserve-{key}", "image": value.get("image", ""), **value}
            containers.append(container)
    return {**part, "containers": containers}


def describe(obj: dict[str, Any]) -> dict[str, JSON] | None:
    """Properties of the workload, or None when it is not an AI workload."""
    cat = catalog()
    kind = str(obj.get("kind"))
    group = str(obj.get("apiVersion", "")).split("/")[0]
    crd_server = cat.crds.get((group, kind))
    containers: list[dict[str, JSON]] = []
    servers: list[str] = []
    reasons: list[str] = []
    host_paths: list[str] = []
    host_network = host_pid = False
    service_account = None
    labels: dict[str, JSON] = {}
    models: list[dict[str, JSON]] = []
    auth_states: list[bool] = []
    gpus = 0
    for role, pod, meta in pod_specs(obj):
        labels.update(meta.get("labels") or {})
        service_account = service_account or pod.get("serviceAccountName") or pod.get("serviceAccount")
        host_network = host_network or bool(pod.get("hostNetwork"))
        host_pid = host_pid or bool(pod.get("hostPID"))
        for volume in pod.get("volumes") or []:
            if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict):
                host_paths.append(str(volume["hostPath"].get("path")))
        pod_privileged = bool((pod.get("securityContext") or {}).get("privileged"))
        volumes = {
            str(v.get("name")): v for v in pod.get("volumes") or [] if isinstance(v, dict) and v.get("name")
        }
        for c in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
            if not isinstance(c, dict):
                continue
            info = _container(c, role, pod_privileged, volumes)
            containers.append(info)
            gpus += int(info["gpu"])
            server = match_server(str(c.get("image", "")), " ".join(_argv(c)))
            if server is not None:
                if server.id not in servers:
                    servers.append(server.id)
                info["server"] = server.id
                info["auth"] = _auth(server, c)
                auth_states.append(bool(info["auth"]))
                models.extend(_models(server, c))
    if crd_server and crd_server not in servers:
        servers.insert(0, crd_server)
    if kind == "InferenceService":
        models.extend(_kserve_models(obj))
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        auth_states.append(
            any(
                str(annotations.get(k, "")).lower() == "true"
                for k in ("security.opendatahub.io/enable-auth", "serving.kserve.io/enable-auth")
            )
        )
    if kind in _POD_KINDS and containers and not any(c.get("image") for c in containers):
        return None  # no container names an image: a patch (Kustomize overlay), not a deployable object
    if crd_server:
        reasons.append(f"custom resource {kind}")
    if any(s for s in servers if s != crd_server):
        reasons.append("model server image or command")
    if gpus:
        reasons.append("GPU request")
    if not reasons:
        return None
    meta = obj.get("metadata") or {}
    ports = sorted({int(p) for c in containers for p in c.get("ports") or []})
    return {
        "namespace": meta.get("namespace") or "default",
        "workload_kind": kind,
        "api_version": obj.get("apiVersion"),
        "name": meta.get("name"),
        "server": servers[0] if servers else None,
        "servers": servers,
        "ai_reasons": reasons,
        "images": sorted({str(c["image"]) for c in containers if c.get("image")}),
        "containers": containers,
        "ports": ports,
        "gpus": gpus,
        "auth": all(auth_states) if auth_states else None,
        "host_network": host_network,
        "host_pid": host_pid,
        "host_paths": host_paths,
        "service_account": service_account or "default",
        "labels": labels,
        "models": models,
        "exposure": [],
        "rbac": [],
    }


def _argv(c: dict[str, Any]) -> list[str]:
    return [str(a) for a in [*(c.get("command") or []), *(c.get("args") or [])]]


def _config_mounts(c: dict[str, Any], volumes: dict[str, dict[str, Any]]) -> list[dict[str, JSON]]:
    """ConfigMaps the container mounts: ``{path, sub_path, configmap}``."""
    out: list[dict[str, JSON]] = []
    for mount in c.get("volumeMounts") or []:
        if not isinstance(mount, dict):
            continue
        volume = volumes.get(str(mount.get("name"))) or {}
        source = volume.get("configMap")
        if isinstance(source, dict) and source.get("name"):
            out.append(
                {
                    "path": mount.get("mountPath"),
                    "sub_path": mount.get("subPath"),
                    "configmap": source["name"],
                }
            )
    return out


def _container(
    c: dict[str, Any], role: str, pod_privileged: bool, volumes: dict[str, dict[str, Any]] | None = None
) -> dict[str, JSON]:
    sc = c.get("securityContext") or {}
    resources = c.get("resources") or {}
    gpu = 0
    for bucket in ("limits", "requests"):
        for name, value in (resources.get(bucket) or {}).items():
            if catalog().is_gpu(str(name)):
                try:
                    gpu = max(gpu, int(str(value)))
                except ValueError:
                    gpu = max(gpu, 1)
    image = str(c.get("image", ""))
    return {
        "name": c.get("name"),
        "role": role,
        "image": image,
        "registry": image_registry(image) if image else None,
        "image_pinned": image_pinned(image) if image else None,
        "argv": _argv(c),
        "ports": [
            int(p["containerPort"]) for p in c.get("ports") or [] if str(p.get("containerPort", "")).isdigit()
        ],
        "host_ports": [
            int(p["hostPort"]) for p in c.get("ports") or [] if str(p.get("hostPort", "")).isdigit()
        ],
        "env": [_env(e) for e in c.get("env") or [] if isinstance(e, dict)],
        "env_from": [_env_from(e) for e in c.get("envFrom") or [] if isinstance(e, dict)],
        "privileged": bool(sc.get("privileged")) or pod_privileged,
        "allow_privilege_escalation": sc.get("allowPrivilegeEscalation"),
        "capabilities_add": list((sc.get("capabilities") or {}).get("add") or []),
        "gpu": gpu,
        "config_mounts": _config_mounts(c, volumes or {}),
    }


def _env(e: dict[str, Any]) -> dict[str, JSON]:
    name = str(e.get("name"))
    out: dict[str, JSON] = {"name": name, "ai_key": bool(catalog().ai_key_names.fullmatch(name))}
    source = e.get("valueFrom") or {}
    if "value" in e:
        value = str(e.get("value") or "")
        out["source"] = "value"
        out["empty"] = not value.strip() or value.startswith("$(")
        out["value"] = redact(value) if out["ai_key"] else value[:200]
    elif "secretKeyRef" in source:
        ref = source["secretKeyRef"] or {}
        out.update(source="secret", secret=ref.get("name"), key=ref.get("key"))
    elif "configMapKeyRef" in source:
        ref = source["configMapKeyRef"] or {}
        out.update(source="configmap", configmap=ref.get("name"), key=ref.get("key"))
    else:
        out["source"] = "field"
    return out


def _env_from(e: dict[str, Any]) -> dict[str, JSON]:
    if "secretRef" in e:
        return {"source": "secret", "name": (e["secretRef"] or {}).get("name"), "prefix": e.get("prefix")}
    return {
        "source": "configmap",
        "name": (e.get("configMapRef") or {}).get("name"),
        "prefix": e.get("prefix"),
    }


def _env_values(c: dict[str, Any]) -> dict[str, str | None]:
    return {str(e.get("name")): (str(e["value"]) if "value" in e else None) for e in c.get("env") or []}


def _auth(server: ServerSpec, c: dict[str, Any]) -> bool:
    auth = server.auth
    argv = _argv(c)
    joined = " ".join(argv)
    env = _env_values(c)
    for name, values in (auth.get("disable_env") or {}).items():
        if env.get(name) in values:
            return False
    if any(a.startswith(p) for a in argv for p in auth.get("disable_args") or ()) or any(
        p in joined for p in auth.get("disable_args") or () if " " in p
    ):
        return False
    if any(a.startswith(p) for a in argv for p in auth.get("enable_args") or ()):
        return True
    if any(p in joined for p in auth.get("enable_args") or () if " " in p):
        return True
    if any(name in env and env[name] != "" for name in auth.get("enable_env") or ()):
        return True
    return bool(auth.get("default", False))


def _models(server: ServerSpec, c: dict[str, Any]) -> list[dict[str, JSON]]:
    argv = _argv(c)
    env = _env_values(c)
    names: list[str] = []
    for i, arg in enumerate(argv):
        for flag in server.model_args:
            if arg == flag and i + 1 < len(argv):
                names.append(argv[i + 1])
            elif arg.startswith(flag + "="):
                names.append(arg.split("=", 1)[1])
    for key in (*server.model_env, *catalog().hub_model_env):
        if env.get(key):
            names.append(str(env[key]))
    revision = None
    for i, arg in enumerate(argv):
        for flag in server.revision_args:
            if arg == flag and i + 1 < len(argv):
                revision = argv[i + 1]
            elif arg.startswith(flag + "="):
                revision = arg.split("=", 1)[1]
    for key in (*server.revision_env, *catalog().hub_revision_env):
        revision = revision or env.get(key)
    out = []
    for name in dict.fromkeys(names):
        match = _HF_ID.match(name)
        if match is None or name.startswith(("/", ".")):
            continue
        rev = match.group(2) or revision
        out.append(
            {"source": "huggingface", "model": match.group(1), "revision": rev, "pinned": _pinned_rev(rev)}
        )
    return out


def _kserve_models(obj: dict[str, Any]) -> list[dict[str, JSON]]:
    out = []
    predictor = (obj.get("spec") or {}).get("predictor") or {}
    for part in [predictor, *[v for v in predictor.values() if isinstance(v, dict)]]:
        uri = part.get("storageUri")
        if isinstance(uri, str) and uri.startswith(("hf://", "huggingface://")):
            match = _HF_ID.match(uri)
            if match:
                rev = match.group(2)
                out.append(
                    {
                        "source": "huggingface",
                        "model": match.group(1),
                        "revision": rev,
                        "pinned": _pinned_rev(rev),
                    }
                )
        args = part.get("args") or []
        for i, arg in enumerate(args):
            if str(arg).startswith("--model_id") or str(arg).startswith("--model-id"):
                name = (
                    str(arg).split("=", 1)[1]
                    if "=" in str(arg)
                    else (args[i + 1] if i + 1 < len(args) else "")
                )
                rev = next(
                    (str(a).split("=", 1)[1] for a in args if str(a).startswith("--model_revision=")), None
                )
                out.append(
                    {"source": "huggingface", "model": name, "revision": rev, "pinned": _pinned_rev(rev)}
                )
    return out


def _pinned_rev(rev: str | None) -> bool:
    """A revision is pinned when it is a commit hash (branches and tags can move)."""
    return bool(rev and re.fullmatch(r"[0-9a-f]{40}", rev))
