"""Bedrock APIs moto does not implement (guardrails, agents' action groups, data sources, prompts,
flows, imported models, the foundation-model offer), served real-shaped by the test stub."""

from __future__ import annotations

from typing import Any

from aws_estate import AGENT_KEY, HAIKU
from aws_stub import Stub

from aispm.core.model import AssetKind
from aispm.discover.aws import AwsCollector, AwsOptions
from aispm.discover.aws.scope import asset_id

ACCT = "123456789012"
R = "us-east-1"
WHEN = "2024-05-01T12:00:00Z"
COLLECTION = f"arn:aws:aoss:{R}:{ACCT}:collection/kbvec01"
GUARDRAIL = f"arn:aws:bedrock:{R}:{ACCT}:guardrail/gr1abc"


def _guardrail(gid: str, name: str, prompt_attack: bool) -> dict[str, Any]:
    filters = [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]
    if prompt_attack:
        filters.append({"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"})
    return {
        "name": name,
        "guardrailId": gid,
        "guardrailArn": f"arn:aws:bedrock:{R}:{ACCT}:guardrail/{gid}",
        "version": "DRAFT",
        "status": "READY",
        "contentPolicy": {"filters": filters},
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "blockedInputMessaging": "Sorry.",
        "blockedOutputsMessaging": "Sorry.",
    }


def bedrock_data() -> dict[str, Any]:
    agent = {
        "agentId": "AGENT00001",
        "agentName": "support-bot",
        "agentArn": f"arn:aws:bedrock:{R}:{ACCT}:agent/AGENT00001",
        "agentVersion": "DRAFT",
        "agentStatus": "PREPARED",
        "foundationModel": HAIKU,
        "instruction": f"You are a support bot. Use the key {AGENT_KEY} to call the CRM.",
        "agentResourceRoleArn": f"arn:aws:iam::{ACCT}:role/agent-role",
        "idleSessionTTLInSeconds": 600,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "guardrailConfiguration": {"guardrailIdentifier": "gr1abc", "guardrailVersion": "DRAFT"},
        "action_groups": [
            {
                "agentId": "AGENT00001",
                "agentVersion": "DRAFT",
                "actionGroupId": f"AG{i:08d}",
                "actionGroupName": f"tool-{i}",
                "actionGroupState": "ENABLED",
                "createdAt": WHEN,
                "updatedAt": WHEN,
                "actionGroupExecutor": {"lambda": f"arn:aws:lambda:{R}:{ACCT}:function:crm-{i}"},
            }
            for i in range(3)
        ],
        "knowledge_bases": [
            {"knowledgeBaseId": "KB00000001", "knowledgeBaseState": "ENABLED", "updatedAt": WHEN}
        ],
    }
    kb = {
        "knowledgeBaseId": "KB00000001",
        "name": "product-docs",
        "knowledgeBaseArn": f"arn:aws:bedrock:{R}:{ACCT}:knowledge-base/KB00000001",
        "roleArn": f"arn:aws:iam::{ACCT}:role/kb-role",
        "knowledgeBaseConfiguration": {
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-embed-text-v2:0"
            },
        },
        "storageConfiguration": {
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": COLLECTION,
                "vectorIndexName": "docs",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
        "status": "ACTIVE",
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "data_sources": [
            {
                "knowledgeBaseId": "KB00000001",
                "dataSourceId": "DS00000001",
                "name": "docs-bucket",
                "status": "AVAILABLE",
                "dataSourceConfiguration": {
                    "type": "S3",
                    "s3Configuration": {"bucketArn": "arn:aws:s3:::acme-kb-docs"},
                },
                "createdAt": WHEN,
                "updatedAt": WHEN,
            }
        ],
    }
    return {
        R: {
            "guardrails": [_guardrail("gr1abc", "strict", True), _guardrail("gr2def", "lenient", False)]
            + [_guardrail(f"grx{i}", f"extra-{i}", True) for i in range(3)],
            "foundation_models": [
                {
                    "modelArn": f"arn:aws:bedrock:{R}::foundation-model/{HAIKU}",
                    "modelId": HAIKU,
                    "modelName": "Claude 3 Haiku",
                    "providerName": "Anthropic",
                    "inputModalities": ["TEXT", "IMAGE"],
                    "outputModalities": ["TEXT"],
                    "responseStreamingSupported": True,
                    "customizationsSupported": [],
                    "inferenceTypesSupported": ["ON_DEMAND"],
                    "modelLifecycle": {"status": "ACTIVE"},
                }
            ],
            "imported_models": [
                {
                    "modelArn": f"arn:aws:bedrock:{R}:{ACCT}:imported-model/abc123",
                    "modelName": "llama-ft",
                    "creationTime": WHEN,
                    "modelDataSource": {"s3DataSource": {"s3Uri": "s3://acme-model-artifacts/llama/"}},
                    "modelArchitecture": "llama3",
                }
            ],
            "logging": None,
            "agents": [agent],
            "knowledge_bases": [kb],
            "prompts": [
                {
                    "name": "triage",
                    "id": "PROMPT0001",
                    "arn": f"arn:aws:bedrock:{R}:{ACCT}:prompt/PROMPT0001",
                    "version": "DRAFT",
                    "createdAt": WHEN,
                    "updatedAt": WHEN,
                    "variants": [
                        {
                            "name": "v1",
                            "templateType": "TEXT",
                            "templateConfiguration": {"text": {"text": "Classify: {{ticket}}"}},
                            "modelId": HAIKU,
                        }
                    ],
                }
            ],
            "flows": [],
        }
    }


def test_bedrock_estate_from_real_shaped_responses(aws: Stub) -> None:
    aws.state.bedrock = bedrock_data()
    inv = AwsCollector(AwsOptions(regions=(R,))).collect()
    assert aws.state.shape_problems == []  # every stubbed response matches botocore's model
    by_type: dict[str, list[Any]] = {}
    for a in inv.assets:
        by_type.setdefault(str(a.properties.get("resource_type")), []).append(a)
    guardrails = {g.name: g for g in by_type["bedrock:guardrail"]}
    assert len(guardrails) == 5  # three pages of two
    types = {f["type"] for f in guardrails["strict"].properties["contentPolicy"]["filters"]}
    assert "PROMPT_ATTACK" in types
    assert "PROMPT_ATTACK" not in {
        f["type"] for f in guardrails["lenient"].properties["contentPolicy"]["filters"]
    }
    agent = by_type["bedrock:agent"][0]
    assert agent.kind == AssetKind.AGENT
    assert (
        AGENT_KEY not in agent.properties["instruction"]
        and "sk-ant-api03-…" in agent.properties["instruction"]
    )
    edges = {r.key for r in inv.relationships}
    assert (guardrails["strict"].id, "attached_to", agent.id) in edges
    assert (guardrails["lenient"].id, "attached_to", agent.id) not in edges
    tools = [r.target for r in inv.outgoing(agent.id) if r.kind.value == "has_tool"]
    assert len(tools) == 3 and all(inv.get(t).kind == AssetKind.TOOL for t in tools)  # type: ignore[union-attr]
    kb = by_type["bedrock:knowledge-base"][0]
    assert (agent.id, "uses", kb.id) in edges
    collection = asset_id("aoss:collection", COLLECTION)
    assert (kb.id, "stores", collection) in edges
    assert inv.get(collection).kind == AssetKind.VECTOR_STORE  # type: ignore[union-attr]
    bucket = asset_id("s3:bucket", "arn:aws:s3:::acme-kb-docs")
    source = by_type["bedrock:data-source"][0]
    assert source.kind == AssetKind.DATASET and (source.id, "reads", bucket) in edges
    assert (kb.id, "reads", bucket) in edges
    assert by_type["bedrock:prompt"][0].kind == AssetKind.PROMPT_TEMPLATE
    assert by_type["bedrock:imported-model"][0].properties["bucket_names"] == ["acme-model-artifacts"]
    logging = by_type["bedrock:invocation-logging"][0]
    assert logging.properties["enabled"] is False
    assert logging.properties["arn"] == f"arn:aws:bedrock:{R}:{ACCT}:model-invocation-logging"
    account = by_type["aws:account"][0]
    assert account.properties["coverage"][R]["bedrock"] == "ok"
    assert account.properties["coverage"][R]["bedrock-agent"] == "ok"
    assert account.properties["bedrock_foundation_models"][R] == [HAIKU]
    model = asset_id("bedrock:foundation-model", f"arn:aws:bedrock:{R}::foundation-model/{HAIKU}")
    assert (agent.id, "invokes", model) in edges and inv.get(model).properties["listed"] is True  # type: ignore[union-attr]


def test_shape_checker_catches_a_wrong_shape() -> None:
    from aws_shapes import shape_errors

    assert shape_errors("bedrock", "GetGuardrail", {"name": 3, "bogus": 1})
    assert shape_errors("bedrock", "GetGuardrail", _guardrail("g", "n", True)) == []
