"""Kubernetes: AI workloads found in manifests, Helm charts or a live cluster."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from aispm.core.model import Asset, AssetKind, Finding, Inventory
from aispm.posture.helpers import as_list, finding
from aispm.posture.policy import Policy
from aispm.posture.registry import check


def workloads(inventory: Inventory) -> Iterator[Asset]:
    """Kubernetes workload assets."""
    return (a for a in inventory.of_kind(AssetKind.WORKLOAD) if a.provider == "kubernetes")


def _containers(wl: Asset) -> list[dict[str, Any]]:
    return [c for c in as_list(wl.properties.get("containers")) if isinstance(c, dict)]


def _ai_key_env(inventory: Inventory) -> Iterator[tuple[Asset, dict[str, Any], dict[str, Any]]]:
    """``(workload, container, env entry)`` of every environment variable that holds an AI key."""
    for wl in workloads(inventory):
        for c in _containers(wl):
            for env in as_list(c.get("env")):
                if env.get("ai_key"):
                    yield wl, c, env


def _server(wl: Asset) -> str:
    return str(wl.properties.get("server") or "AI workload")


def unauthenticated_exposure(wl: Asset) -> list[dict[str, Any]]:
    """Ways the workload is reachable from outside the cluster without authentication."""
    if wl.properties.get("auth") is not False:
        return []
    return [
        e
        for e in as_list(wl.properties.get("exposure"))
        if isinstance(e, dict) and not e.get("authenticated")
    ]


@check("AISPM-K8S-001")
def exposed_without_auth(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl in workloads(inventory):
        for exp in unauthenticated_exposure(wl):
            via = str(exp.get("via"))
            what = exp.get("ingress") or exp.get("service") or ""
            yield finding(
                "AISPM-K8S-001",
                wl,
                f"{_server(wl)} {wl.name} serves without authentication and is exposed by {via}"
                + (f" {what}" if what else ""),
                evidence={"server": wl.properties.get("server"), "exposure": exp},
                discriminator=f"{via}|{what}",
            )


@check("AISPM-K8S-002")
def literal_ai_key_in_env(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl, c, env in _ai_key_env(inventory):
        if env.get("source") == "value" and not env.get("empty"):
            yield finding(
                "AISPM-K8S-002",
                wl,
                f"{wl.name}: container {c.get('name')} has AI key {env.get('name')} as a literal",
                evidence={"container": c.get("name"), "variable": env.get("name"), "value": env.get("value")},
                discriminator=f"{c.get('name')}|{env.get('name')}",
            )


@check("AISPM-K8S-003")
def ai_key_in_configmap(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for cm in inventory.of_kind(AssetKind.DATA_STORE):
        if cm.provider == "kubernetes" and cm.properties.get("workload_kind") == "ConfigMap":
            keys = as_list(cm.properties.get("ai_key_names"))
            yield finding(
                "AISPM-K8S-003",
                cm,
                f"ConfigMap {cm.name} holds AI credentials ({', '.join(map(str, keys))})",
                evidence={"keys": keys},
            )
    for wl in workloads(inventory):
        for ref in as_list(wl.properties.get("configmap_ai_keys")):
            yield finding(
                "AISPM-K8S-003",
                wl,
                f"{wl.name}: container {ref.get('container')} reads AI key {ref.get('key')} from "
                f"ConfigMap {ref.get('configmap')}",
                evidence=dict(ref),
                discriminator=f"{ref.get('container')}|{ref.get('configmap')}|{ref.get('key')}",
            )


@check("AISPM-K8S-004")
def ai_key_secret_as_env(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl, c, env in _ai_key_env(inventory):
        if env.get("source") == "secret":
            yield finding(
                "AISPM-K8S-004",
                wl,
                f"{wl.name}: AI key {env.get('name')} from Secret {env.get('secret')} is exposed "
                f"as an environment variable of container {c.get('name')}",
                evidence={
                    "container": c.get("name"),
                    "variable": env.get("name"),
                    "secret": env.get("secret"),
                },
                discriminator=f"{c.get('name')}|{env.get('name')}",
            )


@check("AISPM-K8S-005")
def privileged_ai_pod(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl in workloads(inventory):
        reasons = []
        for c in _containers(wl):
            if c.get("privileged"):
                reasons.append(f"container {c.get('name')} is privileged")
            added = {str(x).upper() for x in as_list(c.get("capabilities_add"))}
            if added & {"SYS_ADMIN", "ALL", "NET_ADMIN", "SYS_PTRACE"}:
                reasons.append(f"container {c.get('name')} adds {', '.join(sorted(added))}")
        for path in as_list(wl.properties.get("host_paths")):
            reasons.append(f"mounts host path {path}")
        if wl.properties.get("host_network"):
            reasons.append("uses the host network")
        if wl.properties.get("host_pid"):
            reasons.append("shares the host PID namespace")
        if reasons:
            yield finding(
                "AISPM-K8S-005",
                wl,
                f"{_server(wl)} {wl.name}: " + "; ".join(reasons),
                evidence={"reasons": reasons},
            )


@check("AISPM-K8S-006")
def powerful_service_account(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl in workloads(inventory):
        for binding in as_list(wl.properties.get("rbac")):
            if binding.get("powerful"):
                yield finding(
                    "AISPM-K8S-006",
                    wl,
                    f"{wl.name} runs as service account {wl.properties.get('service_account')}, bound by "
                    f"{binding.get('binding')} to {binding.get('role')} ({binding.get('reason')})",
                    evidence=dict(binding),
                    discriminator=str(binding.get("binding")),
                )


@check("AISPM-K8S-007")
def unpinned_hub_model(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl in workloads(inventory):
        for model in as_list(wl.properties.get("models")):
            if not model.get("pinned"):
                rev = model.get("revision")
                yield finding(
                    "AISPM-K8S-007",
                    wl,
                    f"{wl.name} pulls {model.get('model')} from the Hugging Face Hub at start-up "
                    + (f"at the movable revision {rev}" if rev else "without a pinned revision"),
                    evidence=dict(model),
                    discriminator=str(model.get("model")),
                )


def registry_approved(image: str, registry: str, policy: Policy) -> bool:
    """Whether an image's registry or name matches ``approved_registries`` (empty: all approved)."""
    globs = policy.approved_registries
    if not globs:
        return True
    name = image.split("@", 1)[0]
    return any(
        fnmatch.fnmatchcase(registry, g)
        or fnmatch.fnmatchcase(name, g)
        or name.startswith(g.rstrip("*") + "/")
        for g in globs
    )


@check("AISPM-K8S-008")
def unapproved_registry(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    if not policy.approved_registries:
        return
    for wl in workloads(inventory):
        for c in _containers(wl):
            image = str(c.get("image") or "")
            if image and not registry_approved(image, str(c.get("registry")), policy):
                yield finding(
                    "AISPM-K8S-008",
                    wl,
                    f"{wl.name}: image {image} comes from {c.get('registry')}, not an approved registry",
                    evidence={
                        "image": image,
                        "registry": c.get("registry"),
                        "approved_registries": list(policy.approved_registries),
                    },
                    discriminator=image,
                )


@check("AISPM-K8S-009")
def unpinned_server_image(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for wl in workloads(inventory):
        if not wl.properties.get("server"):
            continue
        for c in _containers(wl):
            if c.get("image") and c.get("image_pinned") is False:
                yield finding(
                    "AISPM-K8S-009",
                    wl,
                    f"{wl.name}: model server image {c.get('image')} is not pinned to a version or digest",
                    evidence={"image": c.get("image")},
                    discriminator=str(c.get("image")),
                )


@check("AISPM-K8S-010")
def unapproved_model_server(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    approved = {s.lower() for s in policy.approved_model_servers}
    if not approved:
        return
    for wl in workloads(inventory):
        for server in as_list(wl.properties.get("servers")):
            if str(server).lower() not in approved:
                yield finding(
                    "AISPM-K8S-010",
                    wl,
                    f"{wl.name} runs model server {server}, which is not on the approved list",
                    evidence={"server": server, "approved_model_servers": sorted(approved)},
                    discriminator=str(server),
                )
