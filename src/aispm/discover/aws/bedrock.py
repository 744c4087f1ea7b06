"""Bedrock reads beyond list-then-describe: invocation logging and the foundation-model offer."""

from __future__ import annotations

from aispm.discover.aws.resources import collect_service
from aispm.discover.aws.scope import Scope


def collect_bedrock(scope: Scope) -> None:
    collect_service(scope)
    _invocation_logging(scope)
    models = scope.paginate("list_foundation_models", "modelSummaries")
    scope.facts["foundation_models"] = {str(m.get("modelId")): m for m in models if m.get("modelId")}


def _invocation_logging(scope: Scope) -> None:
    """One asset per account and region; ``enabled`` is False when no configuration exists."""
    response = scope.call("get_model_invocation_logging_configuration")
    if response is None:
        return
    config = response.get("loggingConfig")
    arn = scope.arn("bedrock", "model-invocation-logging")
    fields = {"loggingConfig": config}
    asset = scope.add(
        "bedrock:invocation-logging",
        arn,
        f"Bedrock model invocation logging ({scope.api_region})",
        fields,
        enabled=bool(config),
        links=False,
    )
    s3 = (config or {}).get("s3Config") or {}
    if s3.get("bucketName"):
        uri = f"s3://{s3['bucketName']}/{s3.get('keyPrefix') or ''}"
        scope.link_buckets(asset.id, {"loggingDestination": uri})
    role = (config or {}).get("cloudWatchConfig", {}).get("roleArn")
    scope.link_role(asset.id, role)


def collect_bedrock_agent(scope: Scope) -> None:
    collect_service(scope)
