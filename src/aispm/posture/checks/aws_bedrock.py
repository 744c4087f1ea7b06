"""Bedrock: invocation logging, guardrails, agents, encryption of models, knowledge bases, prompts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aispm.core.model import Asset, Finding, Inventory, RelationKind
from aispm.posture.checks.aws_common import (
    Unknown,
    aws_reference,
    bucket_asset,
    dig,
    fail,
    gap_unknowns,
    linked,
    needs,
    per_resource,
    region_of,
    resources,
    scanned_regions,
    unknown,
)
from aispm.posture.checks.aws_s3 import is_encrypted
from aispm.posture.policy import Policy
from aispm.posture.registry import check

BR = ("bedrock",)
AGENTS = ("bedrock-agent",)
LOGGING = "bedrock:invocation-logging"
GUARDRAIL = "bedrock:guardrail"
_USES_BEDROCK = (
    "bedrock:agent",
    "bedrock:custom-model",
    "bedrock:imported-model",
    "bedrock:knowledge-base",
    "bedrock:provisioned-throughput",
    "bedrock:flow",
)


def _config(log: Asset) -> Any:
    cfg = log.properties.get("loggingConfig")
    return cfg if isinstance(cfg, dict) and (cfg.get("s3Config") or cfg.get("cloudWatchConfig")) else None


@check("AISPM-AWS-020")
def invocation_logging_off(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(log: Asset) -> str | None:
        return None if _config(log) else "is off: prompts and completions are not recorded"

    yield from per_resource(
        "AISPM-AWS-020", inventory, LOGGING, BR, "Bedrock model invocation logging in", test
    )


@check("AISPM-AWS-021")
def invocation_logging_no_text(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(log: Asset) -> str | None:
        cfg = _config(log)
        if cfg is None:
            return None  # logging off is AISPM-AWS-020
        flag = cfg.get("textDataDeliveryEnabled")
        if flag is None:
            return Unknown("the text data delivery setting was not returned")
        return None if flag else "excludes prompt and response text"

    yield from per_resource(
        "AISPM-AWS-021", inventory, LOGGING, BR, "Bedrock model invocation logging in", test
    )


@check("AISPM-AWS-022")
def invocation_logs_unencrypted(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for log in resources(inventory, LOGGING):
        cfg = _config(log)
        name = dig(cfg, "s3Config", "bucketName")
        if not name:
            continue
        bucket = bucket_asset(inventory, str(name))
        encrypted = is_encrypted(bucket) if bucket is not None else None
        where = f"Bedrock invocation logs of {region_of(log)} go to bucket {name}"
        if encrypted is None:
            yield unknown("AISPM-AWS-022", log, f"{where}, whose encryption was not read", {"bucket": name})
        elif not encrypted:
            yield fail("AISPM-AWS-022", log, f"{where}, which has no default encryption", {"bucket": name})
    yield from gap_unknowns(
        "AISPM-AWS-022", inventory, ("bedrock", "s3"), "Bedrock invocation log encryption"
    )


def _regions_using_bedrock(inventory: Inventory) -> Iterator[tuple[Asset, str, list[Asset]]]:
    used: dict[tuple[str, str], list[Asset]] = {}
    for asset in resources(inventory, *_USES_BEDROCK):
        used.setdefault((str(asset.properties.get("account_id")), region_of(asset)), []).append(asset)
    for account, region in scanned_regions(inventory, "bedrock"):
        found = used.get((str(account.properties.get("account_id")), region))
        if found:
            yield account, region, found


@check("AISPM-AWS-023")
def no_guardrail_in_region(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    guarded = {(str(g.properties.get("account_id")), region_of(g)) for g in resources(inventory, GUARDRAIL)}
    for account, region, used in _regions_using_bedrock(inventory):
        if (str(account.properties.get("account_id")), region) not in guarded:
            yield fail(
                "AISPM-AWS-023",
                account,
                f"Bedrock is used in {region} ({len(used)} agents, models or knowledge bases) but no "
                "guardrail exists there",
                {"region": region, "resources": sorted(a.name for a in used)[:10]},
                discriminator=region,
            )
    yield from gap_unknowns("AISPM-AWS-023", inventory, BR, "Bedrock guardrails")


def _filters(guardrail: Asset) -> list[dict[str, Any]]:
    raw = dig(guardrail.properties, "contentPolicy", "filters")
    return [f for f in raw if isinstance(f, dict)] if isinstance(raw, list) else []


@check("AISPM-AWS-024")
def guardrail_prompt_attack(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(g: Asset) -> str | None:
        attack = [f for f in _filters(g) if f.get("type") == "PROMPT_ATTACK"]
        if not attack:
            return "has no prompt-attack filter"
        strength = attack[0].get("inputStrength")
        if attack[0].get("inputEnabled") is False:
            return "has its prompt-attack filter switched off for input"
        return None if strength == "HIGH" else f"filters prompt attacks at strength {strength}, not HIGH"

    yield from per_resource("AISPM-AWS-024", inventory, GUARDRAIL, BR, "guardrail", test)


def _pii_entries(g: Asset) -> list[dict[str, Any]]:
    policy = g.properties.get("sensitiveInformationPolicy")
    entries: list[dict[str, Any]] = []
    for key in ("piiEntities", "regexes"):
        raw = dig(policy, key)
        entries.extend(e for e in (raw if isinstance(raw, list) else []) if isinstance(e, dict))
    return entries


@check("AISPM-AWS-025")
def guardrail_no_sensitive_info(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(g: Asset) -> str | None:
        return None if _pii_entries(g) else "has no sensitive-information (PII or regex) filter"

    yield from per_resource("AISPM-AWS-025", inventory, GUARDRAIL, BR, "guardrail", test)


@check("AISPM-AWS-026")
def guardrail_sensitive_info_not_enforced(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    enforcing = set(aws_reference()["guardrail_enforcing_actions"])

    def test(g: Asset) -> str | None:
        weak = sorted(
            str(e.get("type") or e.get("name"))
            for e in _pii_entries(g)
            if e.get("outputEnabled") is False or (e.get("outputAction") or e.get("action")) not in enforcing
        )
        return f"detects but does not block or mask {', '.join(weak)} in model output" if weak else None

    yield from per_resource("AISPM-AWS-026", inventory, GUARDRAIL, BR, "guardrail", test)


@check("AISPM-AWS-027")
def guardrail_no_grounding(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(g: Asset) -> str | None:
        raw = dig(g.properties, "contextualGroundingPolicy", "filters")
        filters = {f.get("type"): f for f in (raw if isinstance(raw, list) else []) if isinstance(f, dict)}
        problems = []
        for kind in ("GROUNDING", "RELEVANCE"):
            f = filters.get(kind)
            if f is None:
                problems.append(f"no {kind} filter")
            elif f.get("enabled") is False or f.get("action") == "NONE" or not f.get("threshold"):
                problems.append(f"{kind} filter does not block")
        return f"has {' and '.join(problems)}" if problems else None

    yield from per_resource("AISPM-AWS-027", inventory, GUARDRAIL, BR, "guardrail", test)


def _agent_guardrail(inventory: Inventory, agent: Asset) -> bool:
    if dig(agent.properties, "guardrailConfiguration", "guardrailIdentifier"):
        return True
    return any(True for _ in linked(inventory, agent, RelationKind.ATTACHED_TO, outgoing=False))


@check("AISPM-AWS-028")
def agent_without_guardrail(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    def test(agent: Asset) -> str | None:
        return None if _agent_guardrail(inventory, agent) else "runs without a guardrail"

    yield from per_resource("AISPM-AWS-028", inventory, "bedrock:agent", AGENTS, "agent", test)


@check("AISPM-AWS-029")
def agent_role_shared(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    by_role: dict[str, list[Asset]] = {}
    for agent in resources(inventory, "bedrock:agent"):
        role = agent.properties.get("agentResourceRoleArn")
        if role:
            by_role.setdefault(str(role), []).append(agent)
    for role, agents in sorted(by_role.items()):
        if len(agents) < 2:
            continue
        names = sorted(a.name for a in agents)
        for agent in agents:
            yield fail(
                "AISPM-AWS-029",
                agent,
                f"agent {agent.name} shares its execution role {role} with {len(agents) - 1} other agent(s)",
                {"role": role, "agents": names},
            )
    yield from gap_unknowns("AISPM-AWS-029", inventory, AGENTS, "Bedrock agent roles")


@check("AISPM-AWS-032")
def custom_model_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("modelKmsKeyArn", "is encrypted with an AWS-owned key, not a CMK")
    yield from per_resource("AISPM-AWS-032", inventory, "bedrock:custom-model", BR, "custom model", test)


@check("AISPM-AWS-033")
def knowledge_base_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs(
        "serverSideEncryptionConfiguration.kmsKeyArn", "is encrypted with an AWS-owned key, not a CMK"
    )
    yield from per_resource(
        "AISPM-AWS-033", inventory, "bedrock:data-source", AGENTS, "knowledge base data source", test
    )


@check("AISPM-AWS-034")
def prompt_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("customerEncryptionKeyArn", "is not encrypted with a CMK")
    yield from per_resource("AISPM-AWS-034", inventory, "bedrock:prompt", AGENTS, "prompt", test)


@check("AISPM-AWS-035")
def no_prompt_management(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    with_prompts = {
        (str(p.properties.get("account_id")), region_of(p)) for p in resources(inventory, "bedrock:prompt")
    }
    for account, region, used in _regions_using_bedrock(inventory):
        agents = [a for a in used if a.properties.get("resource_type") == "bedrock:agent"]
        if agents and (str(account.properties.get("account_id")), region) not in with_prompts:
            yield fail(
                "AISPM-AWS-035",
                account,
                f"{len(agents)} Bedrock agent(s) in {region} but no prompt is versioned in Bedrock "
                "Prompt Management",
                {"region": region},
                discriminator=region,
            )
    yield from gap_unknowns("AISPM-AWS-035", inventory, AGENTS, "Bedrock prompt management")


@check("AISPM-AWS-036")
def no_bedrock_vpc_endpoints(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for account, region, _used in _regions_using_bedrock(inventory):
        endpoints = dig(account.properties, "vpc_endpoints")
        if not isinstance(endpoints, dict) or region not in endpoints:
            yield unknown(
                "AISPM-AWS-036",
                account,
                f"VPC endpoints of {region} were not inventoried, so private access to Bedrock is unknown",
                {"region": region},
                discriminator=region,
            )
            continue
        present = {str(s) for s in endpoints.get(region) or []}
        wanted = [
            f"com.amazonaws.{region}.{s}" for s in ("bedrock", "bedrock-runtime", "bedrock-agent-runtime")
        ]
        missing = [w for w in wanted if w not in present]
        if missing:
            yield fail(
                "AISPM-AWS-036",
                account,
                f"Bedrock is used in {region} without VPC interface endpoints for {', '.join(missing)}",
                {"region": region, "missing": missing},
                discriminator=region,
            )


@check("AISPM-AWS-052")
def agent_cmk(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    test = needs("customerEncryptionKeyArn", "is not encrypted with a CMK")
    yield from per_resource("AISPM-AWS-052", inventory, "bedrock:agent", AGENTS, "agent", test)
