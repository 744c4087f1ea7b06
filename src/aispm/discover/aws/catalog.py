"""The AWS discovery catalog (``data/aws_services.yaml``) as typed values."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aispm.core.model import AssetKind
from aispm.data import load_yaml

GLOBAL = "global"
"""Coverage key of services read once per account (IAM, S3)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Service(_Frozen):
    key: str
    """Logical service key used in coverage (``sagemaker``, ``bedrock-agent`` ...)."""
    client: str
    """The boto3 client name."""
    scope: Literal["regional", "global"]


class AwsCatalog(_Frozen):
    """``data/aws_services.yaml``, validated (its header documents the fields)."""

    services: dict[str, Service]
    kinds: dict[str, AssetKind]
    accelerated_prefixes: tuple[str, ...] = Field(alias="accelerated_instance_prefixes")
    bedrock_model_prefixes: tuple[str, ...]
    inference_profile_prefixes: tuple[str, ...]
    ai_name_words: frozenset[str]
    ai_env_words: tuple[str, ...]
    vpc_endpoint_services: tuple[str, ...]
    """Service-name words of the VPC endpoints recorded (``com.amazonaws.<region>.<word>...``)."""
    error_status: dict[str, str] = Field(alias="errors")
    """Error code -> coverage status (``denied``, ``unsupported_region``, ``not_implemented``);
    the file lists the codes under each status."""

    @field_validator("services", mode="before")
    @classmethod
    def _keyed(cls, raw: dict[str, Any]) -> dict[str, Any]:
        return {key: {"key": key, **value} for key, value in raw.items()}

    @field_validator("error_status", mode="before")
    @classmethod
    def _by_code(cls, raw: dict[str, list[Any]]) -> dict[str, str]:
        return {str(code): status for status, codes in raw.items() for code in codes}

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
    return AwsCatalog.model_validate(load_yaml("aws_services.yaml"))
