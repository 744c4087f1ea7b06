"""OpenSearch Service domains and OpenSearch Serverless collections (vector stores when a
knowledge base uses them or, for collections, when their type is VECTORSEARCH)."""

from __future__ import annotations

import json
from typing import Any

from aispm.core.model import JSON
from aispm.discover.aws.scope import Scope


def collect_opensearch(scope: Scope) -> None:
    names = [str(d["DomainName"]) for d in scope.paginate("list_domain_names", "DomainNames")]
    batches = [names[i : i + 5] for i in range(0, len(names), 5)]
    results = scope.each(lambda batch: scope.call("describe_domains", DomainNames=batch), batches)
    for response in results:
        for domain in (response or {}).get("DomainStatusList", []):
            scope.add(
                "opensearch:domain",
                str(domain["ARN"]),
                str(domain["DomainName"]),
                domain,
                access_policy=_json(domain.get("AccessPolicies")),
                links=False,
            )


def collect_aoss(scope: Scope) -> None:
    summaries = scope.paginate("list_collections", "collectionSummaries")
    ids = [str(s["id"]) for s in summaries]
    details: list[Any] = []
    for start in range(0, len(ids), 100):
        response = scope.call("batch_get_collection", ids=ids[start : start + 100])
        details.extend((response or {}).get("collectionDetails", []))
    policies = _network_policies(scope) if details else []
    for collection in details:
        name = str(collection.get("name"))
        scope.add(
            "aoss:collection",
            str(collection["arn"]),
            name,
            collection,
            network_policies=[p for p in policies if _applies(p, name)],
            links=False,
        )


def _network_policies(scope: Scope) -> list[JSON]:
    found: list[JSON] = []
    for summary in scope.paginate("list_security_policies", "securityPolicySummaries", type="network"):
        response = scope.call("get_security_policy", name=summary["name"], type="network")
        detail = (response or {}).get("securityPolicyDetail") or {}
        found.append({"name": summary["name"], "policy": detail.get("policy")})
    return found


def _applies(policy: JSON, collection: str) -> bool:
    rules = policy.get("policy") if isinstance(policy, dict) else None
    documents = rules if isinstance(rules, list) else [rules]
    for doc in documents:
        for rule in (doc or {}).get("Rules", []) if isinstance(doc, dict) else []:
            for resource in rule.get("Resource", []):
                pattern = str(resource).removeprefix("collection/")
                if pattern == collection or (pattern.endswith("*") and collection.startswith(pattern[:-1])):
                    return True
    return False


def _json(text: Any) -> JSON:
    if not isinstance(text, str) or not text:
        return None
    try:
        value: JSON = json.loads(text)
    except ValueError:
        return None
    return value
