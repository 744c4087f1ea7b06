"""Decide one AdmissionReview: the object is read as a manifest and the Kubernetes rules run on it.

The webhook denies what the policy file forbids and what is dangerous on its own:

- AISPM-K8S-010  a model server not in ``approved_model_servers``;
- AISPM-K8S-008  an AI workload image not from ``approved_registries``;
- AISPM-K8S-001  a model server without authentication that exposes itself (host network, host
  port, a Ray head LoadBalancer, a public KServe gateway);
- a ``Service`` of type LoadBalancer/NodePort whose ports are the well-known ports of a model server
  that has no authentication (Ollama 11434, Ray dashboard 8265 / client 10001), since the webhook
  sees one object and cannot tell which pods a Service will select.

Rules disabled by the policy are not enforced.  Other findings are returned as warnings.
"""

from __future__ import annotations

from typing import Any

from aispm.core.model import Inventory, Location
from aispm.discover.kubernetes.catalog import catalog
from aispm.discover.kubernetes.graph import EXPOSING_TYPES, K8sGraph
from aispm.posture import Policy, evaluate

DENY_RULES = ("AISPM-K8S-001", "AISPM-K8S-008", "AISPM-K8S-010")
SERVICE_RULE = "AISPM-K8S-001"


def _unauth_ports() -> dict[int, str]:
    ports: dict[int, str] = {}
    for server in catalog().servers:
        if (
            not server.auth.get("default")
            and not server.auth.get("enable_args")
            and not server.auth.get("enable_env")
        ):
            for port in server.ports:
                ports.setdefault(port, server.name)
    ports.update({8265: "Ray dashboard", 10001: "Ray client"})
    return {p: n for p, n in ports.items() if p not in (80, 443, 8000, 8080)}


def review(body: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The AdmissionReview response for an AdmissionReview request."""
    request = body.get("request") or {}
    uid = request.get("uid", "")
    obj = request.get("object") or {}
    reasons: list[str] = []
    warnings: list[str] = []
    if request.get("operation") in ("CREATE", "UPDATE") and isinstance(obj, dict):
        if obj.get("kind") == "Service" and SERVICE_RULE not in policy.disabled_rules:
            reasons.extend(_service_reasons(obj))
        else:
            inventory = Inventory()
            obj = dict(obj)
            obj.setdefault("metadata", {})
            obj["metadata"] = {"namespace": request.get("namespace") or "default", **obj["metadata"]}
            K8sGraph(inventory, scope="admission").add(obj, Location(uri="admission"))
            findings, _ = evaluate(inventory, policy)
            for f in findings:
                if not f.rule_id.startswith("AISPM-K8S"):
                    continue
                (reasons if f.rule_id in DENY_RULES else warnings).append(f"{f.rule_id}: {f.message}")
    response: dict[str, Any] = {"uid": uid, "allowed": not reasons}
    if reasons:
        response["status"] = {"code": 403, "reason": "Forbidden", "message": "aispm: " + "; ".join(reasons)}
    if warnings:
        response["warnings"] = [w[:256] for w in warnings]
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}


def _service_reasons(svc: dict[str, Any]) -> list[str]:
    spec = svc.get("spec") or {}
    if spec.get("type") not in EXPOSING_TYPES:
        return []
    known = _unauth_ports()
    out = []
    for port in spec.get("ports") or []:
        for key in ("targetPort", "port"):
            value = port.get(key)
            if isinstance(value, int) and value in known:
                out.append(
                    f"{SERVICE_RULE}: {spec.get('type')} Service exposes port {value} ({known[value]}, "
                    "no authentication) outside the cluster"
                )
                break
    return out
