"""Leaked keys grant what their provider serves: AI services, and the model endpoints and models
repository discovery attributes to the provider whose host the traffic goes to."""

from __future__ import annotations

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.paths.access import reach_of, who_can_reach
from aispm.paths.graph import AttackGraph, build_from_inventory

APP = urn("code", "source_file", "r", "app.py")


def _secret(provider: str, secret_type: str) -> Asset:
    return Asset(
        urn("secret", "secret", provider, "k1"),
        AssetKind.SECRET,
        f"{provider} key",
        provider,
        properties={"provider": provider, "secret_type": secret_type},
        source="code",
    )


def _endpoint(url: str, provider: str) -> Asset:
    return Asset(
        urn("endpoint", "model_endpoint", url),
        AssetKind.MODEL_ENDPOINT,
        url,
        provider,
        properties={"url": url, "local": False},
        source="code",
    )


def _model(provider: str, name: str) -> Asset:
    return Asset(
        urn("model", "model", provider, name),
        AssetKind.MODEL,
        name,
        provider,
        properties={"provider": provider, "model": name},
        source="code",
    )


def _service(catalog_id: str) -> Asset:
    return Asset(
        urn("code", "ai_service", catalog_id),
        AssetKind.AI_SERVICE,
        catalog_id,
        catalog_id,
        properties={"catalog_id": catalog_id, "vendor": catalog_id},
        source="code",
    )


OPENROUTER = _endpoint("https://openrouter.ai/api/v1", "openrouter")
ROUTED = _model("openrouter", "openai/gpt-4o")
AZURE = _endpoint("https://acme.openai.azure.com", "azure-openai")
AZURE_MODEL = _model("azure-openai", "gpt-4o-prod")
AZURE_SERVICE = _service("azure-openai")
OPENAI = _endpoint("https://api.openai.com/v1", "openai")
OPENAI_MODEL = _model("openai", "gpt-4o")
GATEWAY = _endpoint("https://llm.corp.example/v1", "unknown")
TARGETS = (OPENROUTER, ROUTED, AZURE, AZURE_MODEL, AZURE_SERVICE, OPENAI, OPENAI_MODEL, GATEWAY)


def _graph(key: Asset) -> AttackGraph:
    inv = Inventory()
    inv.add(Asset(APP, AssetKind.SOURCE_FILE, "app.py", "local", source="code"))
    inv.add(key)
    inv.relate(APP, RelationKind.CONTAINS, key.id)
    for target in TARGETS:
        inv.add(target)
        kind = RelationKind.INVOKES if target.kind is AssetKind.MODEL else RelationKind.CONNECTS_TO
        inv.relate(APP, kind, target.id)
    return build_from_inventory(inv)


def _granted(ag: AttackGraph, key: Asset) -> set[str]:
    node = ag.node(key.id)
    assert node is not None
    return {ag.ids[t] for t, kind, _ in ag.out_edges(node) if kind == "grants"}


def test_key_grants_the_endpoints_and_models_of_its_provider() -> None:
    key = _secret("openrouter", "openrouter_api_key")
    ag = _graph(key)
    assert _granted(ag, key) == {OPENROUTER.id, ROUTED.id}
    # the access is the credential's: an OpenRouter key buys inference
    node = ag.node(key.id)
    assert node is not None
    reached = {ag.ids[c.holder]: c for c in reach_of(ag, node)}
    assert reached[ROUTED.id].action == "invoke"
    assert [(ag.ids[s], k, ag.ids[t]) for s, k, t in reached[ROUTED.id].hops] == [
        (key.id, "grants", ROUTED.id)
    ]
    target = ag.node(OPENROUTER.id)
    assert target is not None
    assert [ag.ids[c.holder] for c in who_can_reach(ag, target)] == [key.id]


def test_key_of_another_provider_grants_none_of_them() -> None:
    """An OpenAI key does not open OpenRouter, although the model routed there is OpenAI's
    ``openai/gpt-4o``; nor the Azure OpenAI deployment, nor a gateway whose provider is unknown."""
    key = _secret("openai", "openai_api_key")
    ag = _graph(key)
    assert _granted(ag, key) == {OPENAI.id, OPENAI_MODEL.id}
    node = ag.node(key.id)
    assert node is not None
    reached = {ag.ids[c.holder] for c in reach_of(ag, node)}
    assert not reached & {OPENROUTER.id, ROUTED.id, AZURE.id, AZURE_MODEL.id, AZURE_SERVICE.id, GATEWAY.id}


def test_azure_key_grants_azure_openai_by_alias() -> None:
    key = _secret("azure", "azure_openai_key")
    ag = _graph(key)
    assert _granted(ag, key) == {AZURE.id, AZURE_MODEL.id, AZURE_SERVICE.id}
    node = ag.node(key.id)
    assert node is not None
    reached = {ag.ids[c.holder]: c.action for c in reach_of(ag, node)}
    assert reached[AZURE.id] == reached[AZURE_MODEL.id] == "invoke"


def test_no_key_grants_an_unknown_provider() -> None:
    for provider, secret_type in (("generic", "generic_api_key"), ("unknown", "generic_api_key")):
        key = _secret(provider, secret_type)
        assert GATEWAY.id not in _granted(_graph(key), key)
