"""The pydantic model that validates a policy: a policy file, a mapping, or a :class:`Policy`
built with values other than the defaults.  Imported only then (pydantic costs about 0.1 s to
import and build)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aispm.core.model import Severity
from aispm.posture import registry
from aispm.posture.custom import CustomRule
from aispm.posture.policy import MODEL_FORMATS


class PolicySchema(BaseModel):
    """The fields of :class:`aispm.posture.policy.Policy` (documented there; a test keeps the two
    lists equal) with their validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Policy")

    approved_providers: tuple[str, ...] = ()
    approved_models: tuple[str, ...] = ()
    banned_model_formats: tuple[str, ...] = ()
    allowed_model_licenses: tuple[str, ...] = ()
    allowed_mcp_launchers: tuple[str, ...] = ()
    approved_registries: tuple[str, ...] = ()
    approved_model_servers: tuple[str, ...] = ()
    max_agent_tools: int = Field(default=15, ge=1)
    disabled_rules: tuple[str, ...] = ()
    severity_overrides: dict[str, Severity] = Field(default_factory=dict)
    custom_rules: tuple[CustomRule, ...] = ()
    custom_rule_files: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a policy is a mapping of settings")
        unknown = sorted(str(k) for k in data if k not in cls.model_fields)
        if unknown:
            allowed = ", ".join(cls.model_fields)
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; allowed settings: {allowed}")
        return data

    @field_validator("banned_model_formats")
    @classmethod
    def _formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for fmt in value:
            if fmt not in MODEL_FORMATS:
                raise ValueError(f"unknown model format {fmt!r}; use one of: {', '.join(MODEL_FORMATS)}")
        return value

    @field_validator("severity_overrides", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: Severity.parse(v) if isinstance(v, str) else v for k, v in value.items()}

    @model_validator(mode="after")
    def _known_rules(self) -> PolicySchema:
        builtin = set(registry.metadata())
        seen: set[str] = set()
        for rule in self.custom_rules:
            if rule.id in builtin:
                raise ValueError(f"custom rule {rule.id}: the id is taken by a built-in rule")
            if rule.id in seen:
                raise ValueError(f"custom rule {rule.id}: the id is used twice")
            seen.add(rule.id)
        known = builtin | seen
        for name, ids in (
            ("disabled_rules", self.disabled_rules),
            ("severity_overrides", self.severity_overrides),
        ):
            for rule_id in ids:
                if rule_id not in known:
                    raise ValueError(f"{name}: unknown rule id {rule_id!r} (see `aispm rules list`)")
        return self
