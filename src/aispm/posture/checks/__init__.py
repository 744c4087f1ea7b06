"""Built-in checks, one module per area; importing this package registers them all."""

from aispm.posture.checks import (
    agents,
    aws_bedrock,
    aws_exposure,
    aws_iam,
    aws_sagemaker,
    azure,
    code,
    gcp,
    governance,
    guard,
    k8s,
    mcp,
    models,
    secrets,
    supply_chain,
)

__all__ = [
    "agents",
    "aws_bedrock",
    "aws_exposure",
    "aws_iam",
    "aws_sagemaker",
    "azure",
    "code",
    "gcp",
    "governance",
    "guard",
    "k8s",
    "mcp",
    "models",
    "secrets",
    "supply_chain",
]
