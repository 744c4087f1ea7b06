"""Governance: approved providers and models, endpoints, retired models."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from aispm.core.model import Asset, AssetKind, Finding, Inventory
from aispm.posture.helpers import ALL_INTERFACES, finding, is_local_host, reference, url_parts
from aispm.posture.policy import Policy
from aispm.posture.registry import check


def _model_provider(model: Asset) -> str:
    return str(model.properties.get("provider") or model.provider)


def _model_id(model: Asset) -> str:
    return str(model.properties.get("model") or model.name)


@check("AISPM-GOV-001")
def provider_not_approved(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    if not policy.approved_providers:
        return
    approved = sorted(policy.approved_providers)
    for service in inventory.of_kind(AssetKind.AI_SERVICE):
        if not policy.approves_provider(service.provider):
            yield finding(
                "AISPM-GOV-001",
                service,
                f"AI provider {service.provider} ({service.name}) is used but is not on the approved list",
                evidence={"provider": service.provider, "approved_providers": approved},
            )
    for model in inventory.of_kind(AssetKind.MODEL):
        provider = _model_provider(model)
        if not policy.approves_provider(provider):
            yield finding(
                "AISPM-GOV-001",
                model,
                f"model {_model_id(model)} comes from provider {provider}, which is not on the approved list",
                evidence={"provider": provider, "model": _model_id(model), "approved_providers": approved},
            )


@check("AISPM-GOV-002")
def model_not_approved(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    globs = [g.lower() for g in policy.approved_models]
    if not globs:
        return
    for model in inventory.of_kind(AssetKind.MODEL):
        name = _model_id(model).lower()
        qualified = f"{_model_provider(model).lower()}/{name}"
        if any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(qualified, g) for g in globs):
            continue
        yield finding(
            "AISPM-GOV-002",
            model,
            f"model {_model_id(model)} ({_model_provider(model)}) is not on the approved model list",
            evidence={"model": _model_id(model), "approved_models": list(policy.approved_models)},
        )


def _endpoint_host(endpoint: Asset) -> tuple[str, str]:
    props = endpoint.properties
    url = str(props.get("url") or endpoint.name)
    scheme, host = url_parts(url)
    return str(props.get("scheme") or scheme).lower(), str(props.get("host") or host).lower()


@check("AISPM-GOV-003")
def plaintext_endpoint(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for endpoint in inventory.of_kind(AssetKind.MODEL_ENDPOINT):
        scheme, host = _endpoint_host(endpoint)
        local = endpoint.properties.get("local")
        if scheme != "http" or local is True or is_local_host(host):
            continue
        yield finding(
            "AISPM-GOV-003",
            endpoint,
            f"model endpoint {endpoint.properties.get('url') or endpoint.name} is reached over plain "
            f"http:// at non-local host {host}",
            evidence={"url": endpoint.properties.get("url"), "host": host, "scheme": scheme},
        )


@check("AISPM-GOV-004")
def all_interfaces_endpoint(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for endpoint in inventory.of_kind(AssetKind.MODEL_ENDPOINT):
        _, host = _endpoint_host(endpoint)
        if host not in ALL_INTERFACES:
            continue
        yield finding(
            "AISPM-GOV-004",
            endpoint,
            f"model endpoint {endpoint.properties.get('url') or endpoint.name} points at {host}: the "
            "inference server listens on every network interface",
            evidence={"url": endpoint.properties.get("url"), "host": host},
        )


def _names_to_retire(model: Asset, vendors: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(provider, model name)`` pairs to look up in ``deprecated_models``: the model's own, and
    for a name with a vendor prefix (``openai/gpt-4`` through OpenRouter or any other gateway)
    the vendor's (``model_vendor_prefixes``).  Hub repositories (with ``revision``) are not
    vendor-prefixed names."""
    name, provider = _model_id(model).lower(), _model_provider(model).lower()
    pairs = [(provider, name)]
    prefix, _, rest = name.partition("/")
    vendor = vendors.get(prefix)
    if rest and vendor and "revision" not in model.properties:
        pairs.append((str(vendor).lower(), rest))
    return pairs


def _retired_entry(
    pairs: list[tuple[str, str]], retired: list[Mapping[str, Any]]
) -> tuple[Mapping[str, Any], str] | None:
    """The first ``deprecated_models`` entry a pair matches, with the provider it matched; an
    entry's provider matches a provider slug or a part of it (``openai`` in ``azure-openai``)."""
    for entry in retired:
        pattern, owner = str(entry["pattern"]).lower(), str(entry["provider"])
        for provider, name in pairs:
            if owner in provider.split("-") and fnmatch.fnmatchcase(name, pattern):
                return entry, provider
    return None


@check("AISPM-GOV-005")
def deprecated_model(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    data = reference()
    retired, vendors = data["deprecated_models"], data.get("model_vendor_prefixes") or {}
    for model in inventory.of_kind(AssetKind.MODEL):
        provider = _model_provider(model).lower()
        found = _retired_entry(_names_to_retire(model, vendors), retired)
        if found is None:
            continue
        entry, vendor = found
        by = "the provider" if vendor == provider else f"its vendor {vendor}"
        yield finding(
            "AISPM-GOV-005",
            model,
            f"model {_model_id(model)} ({provider}) is retired or deprecated by {by}; "
            f"replacement: {entry['replacement']}",
            evidence={
                "model": _model_id(model),
                "provider": provider,
                "vendor": vendor,
                "replacement": entry["replacement"],
            },
        )


@check("AISPM-GOV-006")
def no_provider_policy(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    if policy.approved_providers:
        return
    for service in inventory.of_kind(AssetKind.AI_SERVICE):
        yield finding(
            "AISPM-GOV-006",
            service,
            f"third-party AI provider {service.provider} ({service.name}) is used and no approved-provider "
            "policy is set",
            evidence={"provider": service.provider, "catalog_id": service.properties.get("catalog_id")},
        )
