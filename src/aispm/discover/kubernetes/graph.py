"""Kubernetes objects → AI workload assets, with exposure, RBAC and ConfigMap links.

Objects arrive one by one (manifest files in walk order, or a live cluster's lists), so links are
recomputed for a namespace whenever a Service, Ingress, binding, role or ConfigMap arrives; the
inventory merges list properties without duplicates, so re-adding a workload only extends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, AssetKind, Inventory, Location, RelationKind
from aispm.discover.kubernetes.catalog import catalog
from aispm.discover.kubernetes.workloads import describe

EXPOSING_TYPES = ("LoadBalancer", "NodePort")
INGRESS_AUTH_ANNOTATIONS = (
    "nginx.ingress.kubernetes.io/auth-url",
    "nginx.ingress.kubernetes.io/auth-type",
    "nginx.ingress.kubernetes.io/auth-signin",
    "traefik.ingress.kubernetes.io/router.middlewares",
    "alb.ingress.kubernetes.io/auth-type",
    "konghq.com/plugins",
)


@dataclass(slots=True)
class _Workload:
    id: str
    props: dict[str, Any]
    location: Location | None


@dataclass(slots=True)
class K8sGraph:
    """Collects the objects of one cluster or one tree of manifests into ``out``."""

    out: Inventory
    scope: str
    """The cluster (kubeconfig context) or repository the objects come from; part of asset ids."""
    source: str = "kubernetes"
    workloads: dict[tuple[str, str, str], _Workload] = field(default_factory=dict)
    services: dict[tuple[str, str], tuple[dict[str, Any], Location | None]] = field(default_factory=dict)
    ingresses: list[tuple[dict[str, Any], Location | None]] = field(default_factory=list)
    bindings: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    configmaps: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    configmap_data: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def add(self, obj: dict[str, Any], location: Location | None = None) -> None:
        """Add one object (a manifest document or an item of a list call)."""
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            return
        kind = obj["kind"]
        meta = obj.get("metadata") or {}
        ns = str(meta.get("namespace") or "default")
        name = str(meta.get("name") or "")
        if kind == "List":
            for item in obj.get("items") or []:
                self.add(item, location)
            return
        if kind == "Service":
            self.services[(ns, name)] = (obj, location)
        elif kind == "Ingress":
            self.ingresses.append((obj, location))
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            self.bindings.append(obj)
            self._relink_all()
            return
        elif kind in ("Role", "ClusterRole"):
            self.roles[(ns if kind == "Role" else "", name)] = obj
            self._relink_all()
            return
        elif kind == "ConfigMap":
            self._configmap(obj, ns, name, location)
        else:
            props = describe(obj)
            if props is None:
                return
            props["exposure"] = _self_exposure(obj, props)
            wid = urn("k8s", "workload", self.scope, ns, kind, name)
            self.workloads[(ns, kind, name)] = _Workload(wid, props, location)
            self._add_object(
                wid, AssetKind.WORKLOAD, f"{ns}/{kind}/{name}", location, props, *props["servers"]
            )
            for model in props["models"]:
                mid = urn("model", "model", "huggingface", str(model["model"]))
                self.out.add(
                    Asset(
                        mid,
                        AssetKind.MODEL,
                        str(model["model"]),
                        "huggingface",
                        properties={
                            "provider": "huggingface",
                            "model": model["model"],
                            "revision": model["revision"],
                        },
                        source=self.source,
                    )
                )
                self.out.relate(wid, RelationKind.RUNS, mid)
        self._relink(ns)

    # ---- links --------------------------------------------------------------------------------

    def _relink_all(self) -> None:
        for ns in {key[0] for key in self.workloads}:
            self._relink(ns)

    def _relink(self, ns: str) -> None:
        for (wns, _kind, _name), wl in self.workloads.items():
            if wns != ns:
                continue
            exposure: list[dict[str, JSON]] = []
            labels = wl.props.get("labels") or {}
            for (sns, sname), (svc, sloc) in self.services.items():
                spec = svc.get("spec") or {}
                selector = spec.get("selector") or {}
                if sns != ns or not selector or any(labels.get(k) != v for k, v in selector.items()):
                    continue
                sid = self._service_asset(svc, ns, sname, sloc)
                self.out.relate(sid, RelationKind.EXPOSES, wl.id)
                stype = spec.get("type") or "ClusterIP"
                ports = [p.get("port") for p in spec.get("ports") or [] if isinstance(p, dict)]
                if stype in EXPOSING_TYPES:
                    exposure.append({"via": stype, "service": sname, "ports": ports, "authenticated": False})
                for ing, _iloc in self.ingresses:
                    imeta = ing.get("metadata") or {}
                    if str(imeta.get("namespace") or "default") != ns or sname not in _ingress_backends(ing):
                        continue
                    annotations = imeta.get("annotations") or {}
                    exposure.append(
                        {
                            "via": "Ingress",
                            "ingress": imeta.get("name"),
                            "service": sname,
                            "hosts": [
                                r.get("host")
                                for r in (ing.get("spec") or {}).get("rules") or []
                                if r.get("host")
                            ],
                            "authenticated": any(a in annotations for a in INGRESS_AUTH_ANNOTATIONS),
                        }
                    )
            self._config_auth(ns, wl)
            rbac = self._rbac(ns, str(wl.props.get("service_account") or "default"))
            cm_keys = self._configmap_keys(ns, wl.props)
            update: dict[str, JSON] = {"exposure": exposure, "rbac": rbac, "configmap_ai_keys": cm_keys}
            for key, value in update.items():
                for item in value:
                    if item not in wl.props.setdefault(key, []):
                        wl.props[key].append(item)
            self.out.add(Asset(wl.id, AssetKind.WORKLOAD, "", "kubernetes", properties=update))

    def _config_auth(self, ns: str, wl: _Workload) -> None:
        """Authentication a server turns on in a config file mounted from a ConfigMap (LiteLLM's
        ``general_settings.master_key``): the workload's ``auth`` is recomputed with it."""
        if wl.props.get("auth") is not False:
            return
        states: list[bool] = []
        source = None
        for c in wl.props.get("containers") or []:
            spec = catalog().server(str(c.get("server") or ""))
            if spec is None:
                continue
            enabled = bool(c.get("auth"))
            path = _arg_value(c.get("argv") or [], str(spec.auth.get("config_arg") or ""))
            if not enabled and path:
                found = self._mounted_file(ns, c, path)
                if found is not None and _config_enables(found[1], spec.auth.get("config_keys") or [], c):
                    enabled, source = True, f"{found[0]} ({path})"
            states.append(enabled)
        if states and all(states) and source:
            wl.props["auth"] = True
            wl.props["auth_source"] = source
            asset = self.out.get(wl.id)
            if asset is not None and isinstance(asset.properties, dict):  # a merge keeps the first value
                asset.properties["auth"] = True
                asset.properties["auth_source"] = source

    def _mounted_file(self, ns: str, container: dict[str, Any], path: str) -> tuple[str, str] | None:
        """(``ConfigMap/<name>``, text) of the file at ``path`` when a ConfigMap is mounted there."""
        for mount in container.get("config_mounts") or []:
            base = str(mount.get("path") or "").rstrip("/")
            if mount.get("sub_path"):
                key = str(mount["sub_path"]) if path == base else None
            else:
                key = path[len(base) + 1 :] if path.startswith(base + "/") else None
            data = self.configmap_data.get((ns, str(mount.get("configmap"))))
            if key and data is not None and key in data:
                return f"ConfigMap/{mount.get('configmap')}", data[key]
        return None

    def _service_asset(self, svc: dict[str, Any], ns: str, name: str, location: Location | None) -> str:
        spec = svc.get("spec") or {}
        sid = urn("k8s", "service", self.scope, ns, name)
        properties: dict[str, JSON] = {
            "namespace": ns,
            "name": name,
            "type": spec.get("type") or "ClusterIP",
            "ports": [p for p in spec.get("ports") or [] if isinstance(p, dict)],
            "selector": spec.get("selector") or {},
        }
        self._add_object(sid, AssetKind.MODEL_ENDPOINT, f"{ns}/Service/{name}", location, properties)
        return sid

    def _rbac(self, ns: str, sa: str) -> list[dict[str, JSON]]:
        out: list[dict[str, JSON]] = []
        for binding in self.bindings:
            bmeta = binding.get("metadata") or {}
            bns = str(bmeta.get("namespace") or "default")
            for subject in binding.get("subjects") or []:
                if subject.get("kind") != "ServiceAccount" or subject.get("name") != sa:
                    continue
                if str(subject.get("namespace") or bns) != ns:
                    continue
                ref = binding.get("roleRef") or {}
                rname = str(ref.get("name"))
                role = self.roles.get((bns if ref.get("kind") == "Role" else "", rname))
                reason = _powerful(rname, role)
                out.append(
                    {
                        "binding": f"{binding.get('kind')}/{bmeta.get('name')}",
                        "role": f"{ref.get('kind')}/{rname}",
                        "cluster_wide": binding.get("kind") == "ClusterRoleBinding",
                        "powerful": reason is not None,
                        "reason": reason,
                    }
                )
        return out

    def _configmap(self, obj: dict[str, Any], ns: str, name: str, location: Location | None) -> None:
        data = obj.get("data") or {}
        if isinstance(data, dict):
            self.configmap_data[(ns, name)] = {str(k): str(v) for k, v in data.items() if v is not None}
        keys = [
            str(k)
            for k, v in data.items()
            if catalog().ai_key_names.fullmatch(str(k)) and str(v or "").strip()
        ]
        self.configmaps[(ns, name)] = keys
        if not keys:
            return
        self._add_object(
            urn("k8s", "configmap", self.scope, ns, name),
            AssetKind.DATA_STORE,
            f"{ns}/ConfigMap/{name}",
            location,
            {"namespace": ns, "name": name, "workload_kind": "ConfigMap", "ai_key_names": keys},
        )

    def _add_object(
        self,
        asset_id: str,
        kind: AssetKind,
        name: str,
        location: Location | None,
        properties: dict[str, Any],
        *tags: str,
    ) -> None:
        """Add the asset of a Kubernetes object of this scope (``scope`` joins its properties)."""
        self.out.add(
            Asset(
                id=asset_id,
                kind=kind,
                name=name,
                provider="kubernetes",
                location=location,
                properties={**properties, "scope": self.scope},
                tags=("kubernetes", *tags),
                source=self.source,
            )
        )

    def _configmap_keys(self, ns: str, props: dict[str, Any]) -> list[dict[str, JSON]]:
        out: list[dict[str, JSON]] = []
        for c in props.get("containers") or []:
            for ref in c.get("env_from") or []:
                if ref.get("source") == "configmap":
                    for key in self.configmaps.get((ns, str(ref.get("name"))), []):
                        out.append({"container": c.get("name"), "configmap": ref.get("name"), "key": key})
            for env in c.get("env") or []:
                if env.get("source") == "configmap" and env.get("ai_key"):
                    out.append(
                        {"container": c.get("name"), "configmap": env.get("configmap"), "key": env.get("key")}
                    )
        return out


def _arg_value(argv: list[Any], flag: str) -> str | None:
    """The value given to ``flag`` (``--config x`` or ``--config=x``)."""
    if not flag:
        return None
    for i, arg in enumerate(argv):
        text = str(arg)
        if text == flag and i + 1 < len(argv):
            return str(argv[i + 1])
        if text.startswith(flag + "="):
            return text.split("=", 1)[1]
    return None


def _config_enables(text: str, keys: list[str], container: dict[str, Any]) -> bool:
    """Whether a YAML config sets one of the dotted ``keys``; a value ``os.environ/NAME`` counts
    only when the container sets NAME (directly or from a Secret)."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    env = {str(e.get("name")) for e in container.get("env") or [] if isinstance(e, dict)}
    for key in keys:
        value: Any = config
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value.startswith("os.environ/"):
            if value.split("/", 1)[1] in env:
                return True
        elif value:
            return True
    return False


def _ingress_backends(ing: dict[str, Any]) -> set[str]:
    spec = ing.get("spec") or {}
    names: set[str] = set()
    default = ((spec.get("defaultBackend") or {}).get("service") or {}).get("name")
    if default:
        names.add(str(default))
    for rule in spec.get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            service = ((path or {}).get("backend") or {}).get("service") or {}
            if service.get("name"):
                names.add(str(service["name"]))
            if (path or {}).get("backend", {}).get("serviceName"):
                names.add(str(path["backend"]["serviceName"]))
    return names


def _powerful(name: str, role: dict[str, Any] | None) -> str | None:
    if name in catalog().powerful_roles:
        return f"built-in role {name}"
    if role is None:
        return None
    for rule in role.get("rules") or []:
        verbs = set(rule.get("verbs") or [])
        resources = set(rule.get("resources") or [])
        if "*" in verbs and ("*" in resources or not resources):
            return "all verbs on all resources"
        if "*" in resources and verbs & {"*", "create", "update", "patch", "delete"}:
            return "writes to all resources"
        if "secrets" in resources and verbs & {"*", "get", "list", "watch"}:
            return "reads Secrets"
        if resources & {"pods/exec", "clusterrolebindings", "rolebindings"} and verbs & {"*", "create"}:
            return "can exec into pods or grant roles"
    return None


def _self_exposure(obj: dict[str, Any], props: dict[str, Any]) -> list[dict[str, JSON]]:
    """Exposure an object declares itself: host network / ports, Ray services, KServe gateways."""
    out: list[dict[str, JSON]] = []
    if props.get("host_network"):
        out.append({"via": "hostNetwork", "ports": props.get("ports") or [], "authenticated": False})
    host_ports = sorted({p for c in props.get("containers") or [] for p in c.get("host_ports") or []})
    if host_ports:
        out.append({"via": "hostPort", "ports": host_ports, "authenticated": False})
    spec = obj.get("spec") or {}
    if obj.get("kind") in ("RayCluster", "RayService", "RayJob"):
        cluster = spec.get("rayClusterSpec") or spec.get("rayClusterConfig") or spec
        stype = (cluster.get("headGroupSpec") or {}).get("serviceType")
        if stype in EXPOSING_TYPES:
            out.append({"via": stype, "service": "ray-head", "ports": [8265, 10001], "authenticated": False})
    if obj.get("kind") == "InferenceService":
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if (
            labels.get("networking.knative.dev/visibility") != "cluster-local"
            and labels.get("networking.kserve.io/visibility") != "cluster-local"
        ):
            out.append(
                {
                    "via": "KServe ingress gateway",
                    "ports": [80, 443],
                    "authenticated": bool(props.get("auth")),
                }
            )
    return out
