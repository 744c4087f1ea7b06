"""The AWS discovery catalog (``data/aws_services.yaml``) as typed values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from aispm.core.model import AssetKind
from aispm.data import load_yaml

GLOBAL = "global"
"""Coverage key of services read once per account (IAM, S3)."""


@dataclass(frozen=True, slots=True)
class Service:
    key: str
    """Logical service key used in coverage (``sagemaker``, ``bedrock-agent`` ...)."""
    client: str
    """The boto3 client name."""
    scope: str
    """``regional`` or ``global``."""


@dataclass(frozen=True, slots=True)
class AwsCatalog:
    services: dict[str, Service]
    kinds: dict[str, AssetKind]
    accelerated_prefixes: tuple[str, ...]
    bedrock_model_prefixes: tuple[str, ...]
    inference_profile_prefixes: tuple[str, ...]
    ai_name_words: frozenset[str]
    ai_env_words: tuple[str, ...]
    vpc_endpoint_services: tuple[str, ...]
    """Service-name words of the VPC endpoints recorded (``com.amazonaws.<region>.<word>...``)."""
    error_status: dict[str, str]
    """Error code -> coverage status (``denied``, ``unsupported_region``, ``not_implemented``)."""

    def kind(self, resource_type: str) -> AssetKind:
        return self.kinds[resource_type]

    def regional(self) -> list[Service]:
        return [s for s in self.services.values() if s.scope == "regional"]

    def is_bedrock_model_id(self, value: str) -> bool:
        """``anthropic.claude-3-haiku-...`` or ``us.anthropic....`` (an inference profile)."""
        text = value.strip()
        if " " in text or len(text) > 200:
            return False
        for profile in self.inference_profile_prefixes:
            if text.startswith(profile) and text[len(profile) :].startswith(self.bedrock_model_prefixes):
                return True
        return text.startswith(self.bedrock_model_prefixes) and "-" in text

    def looks_ai(self, name: str) -> bool:
        """A name made of words of which one is an AI word (``acme-training-data``)."""
        words = name.lower().replace("_", "-").replace(".", "-").split("-")
        return any(w in self.ai_name_words for w in words) or any(
            w in name.lower() for w in ("sagemaker", "bedrock", "llm", "genai")
        )


@cache
def aws_catalog() -> AwsCatalog:
    raw = load_yaml("aws_services.yaml")
    services = {
        key: Service(key=key, client=str(v["client"]), scope=str(v["scope"]))
        for key, v in raw["services"].items()
    }
    errors = {str(code): status for status, codes in raw["errors"].items() for code in codes}
    return AwsCatalog(
        services=services,
        kinds={str(k): AssetKind(v) for k, v in raw["kinds"].items()},
        accelerated_prefixes=tuple(raw["accelerated_instance_prefixes"]),
        bedrock_model_prefixes=tuple(raw["bedrock_model_prefixes"]),
        inference_profile_prefixes=tuple(raw["inference_profile_prefixes"]),
        ai_name_words=frozenset(raw["ai_name_words"]),
        ai_env_words=tuple(raw["ai_env_words"]),
        vpc_endpoint_services=tuple(raw["vpc_endpoint_services"]),
        error_status=errors,
    )
