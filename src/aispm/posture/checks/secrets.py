"""Secrets in places where they leak: source, .env files, notebooks, prompts, MCP configs."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, RelationKind
from aispm.posture.helpers import as_list, finding, path_of, reference
from aispm.posture.policy import Policy
from aispm.posture.registry import check


def _is_ai_secret(secret: Asset) -> bool:
    provider = str(secret.properties.get("provider") or secret.provider).lower()
    if provider in {p.lower() for p in reference()["ai_secret_providers"]}:
        return True
    return str(secret.properties.get("secret_type") or "") in reference()["ai_secret_types"]


def _is_env_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def _is_notebook(path: str) -> bool:
    return path.endswith(".ipynb")


def _secret_locations(secret: Asset) -> Iterator[Location]:
    for loc in as_list(secret.properties.get("locations")):
        if isinstance(loc, dict) and isinstance(loc.get("path"), str):
            line = loc.get("line")
            yield Location(path=loc["path"], line=line if isinstance(line, int) else None)


def _mcp_config_paths(inventory: Inventory) -> set[str]:
    return {p for s in inventory.of_kind(AssetKind.MCP_SERVER) if (p := path_of(s))}


def _evidence(secret: Asset) -> dict[str, object]:
    props = secret.properties
    return {
        k: props[k] for k in ("secret_type", "provider", "redacted", "variable", "detection") if k in props
    }


def _secret_hash(secret: Asset) -> str:
    return secret.id.rsplit(":", 1)[-1]


def _per_location(inventory: Inventory, rule_id: str, wanted: str) -> Iterator[Finding]:
    """One finding per location of a secret, for locations of the ``wanted`` class."""
    mcp_paths = _mcp_config_paths(inventory)
    for secret in inventory.of_kind(AssetKind.SECRET):
        ai = _is_ai_secret(secret)
        for loc in _secret_locations(secret):
            path = loc.path or ""
            if _is_env_file(path):
                where = "env"
            elif _is_notebook(path):
                where = "notebook"
            elif path in mcp_paths:
                where = "mcp"
            else:
                where = "source-ai" if ai else "source-other"
            if where != wanted:
                continue
            label = secret.properties.get("secret_type") or "secret"
            redacted = secret.properties.get("redacted") or ""
            kind = {
                "env": "in a committed .env file",
                "notebook": "in a notebook",
            }.get(where, "hard-coded in source")
            yield finding(
                rule_id,
                secret,
                f"{label} {redacted} ({secret.provider}) {kind}: {loc}",
                location=loc,
                evidence={**_evidence(secret), "path": path},
                discriminator=f"{_secret_hash(secret)}:{path}",
            )


@check("AISPM-SEC-001")
def ai_key_in_source(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _per_location(inventory, "AISPM-SEC-001", "source-ai")


@check("AISPM-SEC-002")
def other_secret_in_source(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _per_location(inventory, "AISPM-SEC-002", "source-other")


@check("AISPM-SEC-003")
def secret_in_env_file(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _per_location(inventory, "AISPM-SEC-003", "env")


@check("AISPM-SEC-004")
def secret_in_notebook(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _per_location(inventory, "AISPM-SEC-004", "notebook")


@check("AISPM-SEC-005")
def secret_in_prompt(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for prompt in inventory.of_kind(AssetKind.PROMPT_TEMPLATE):
        types = [str(t) for t in as_list(prompt.properties.get("secret_types"))]
        if not types:
            continue
        role = prompt.properties.get("role") or "prompt"
        yield finding(
            "AISPM-SEC-005",
            prompt,
            f"{role} prompt at {prompt.location or prompt.name} contains a credential ({', '.join(types)})",
            evidence={"secret_types": list(types), "role": role, "excerpt": prompt.properties.get("excerpt")},
            discriminator=",".join(sorted(types)),
        )


@check("AISPM-SEC-006")
def secret_in_mcp_config(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for server in inventory.of_kind(AssetKind.MCP_SERVER):
        secrets = [str(s) for s in as_list(server.properties.get("secrets"))]
        literal_keys = [
            str(k)
            for key in ("env_literal_keys", "header_literal_keys")
            for k in as_list(server.properties.get(key))
        ]
        if not secrets and not literal_keys:
            continue
        shown = ", ".join(literal_keys or secrets)
        yield finding(
            "AISPM-SEC-006",
            server,
            f"MCP server '{server.name}' at {server.location or '?'} has credentials written into its "
            f"configuration ({shown})",
            evidence={"secrets": secrets, "env_literal_keys": literal_keys},
        )


@check("AISPM-SEC-007")
def notebook_with_ai_sdk_and_secret(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    files = [*inventory.of_kind(AssetKind.NOTEBOOK), *inventory.of_kind(AssetKind.SOURCE_FILE)]
    for nb in files:
        if nb.kind != AssetKind.NOTEBOOK and not _is_notebook(path_of(nb) or ""):
            continue
        services = _targets(inventory, nb, RelationKind.USES, AssetKind.AI_SERVICE)
        secrets = _targets(inventory, nb, RelationKind.CONTAINS, AssetKind.SECRET)
        if not services or not secrets:
            continue
        yield finding(
            "AISPM-SEC-007",
            nb,
            f"notebook {nb.location or nb.name} calls {', '.join(s.name for s in services)} and holds "
            f"{len(secrets)} credential(s) in its cells or outputs",
            evidence={
                "services": [s.name for s in services],
                "secrets": [s.properties.get("redacted") or s.name for s in secrets],
            },
        )


def _targets(inventory: Inventory, asset: Asset, kind: RelationKind, target_kind: AssetKind) -> list[Asset]:
    out = []
    for rel in inventory.outgoing(asset.id, kind):
        target = inventory.get(rel.target)
        if target is not None and target.kind == target_kind:
            out.append(target)
    return out
