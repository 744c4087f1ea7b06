"""The schema of rule metadata, shared by built-in rule files and custom rules."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

from aispm.core.model import AssetKind, RuleMeta, Severity

OWASP_ID = re.compile(r"^(LLM0[1-9]|LLM10):2025$")
"""An OWASP Top 10 for LLM Applications 2025 id."""
ATLAS_ID = re.compile(r"^AML\.(T|M)\d{4}(\.\d{3})?$")
"""A MITRE ATLAS technique or mitigation id."""


class RuleSpec(BaseModel):
    """Metadata of one rule as written in YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    severity: Severity
    rationale: str = ""
    remediation: str = ""
    owasp_llm: tuple[str, ...] = ()
    mitre_atlas: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    asset_kinds: tuple[AssetKind, ...] = ()
    tags: tuple[str, ...] = ()

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> Severity:
        if isinstance(value, Severity):
            return value
        if not isinstance(value, str):
            raise ValueError("severity must be a string")
        return Severity.parse(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title must not be empty")
        return value.strip()

    @field_validator("owasp_llm")
    @classmethod
    def _owasp(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not OWASP_ID.match(item):
                raise ValueError(f"{item!r} is not an OWASP LLM Top 10 2025 id (LLM01:2025 … LLM10:2025)")
        return value

    @field_validator("mitre_atlas")
    @classmethod
    def _atlas(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not ATLAS_ID.match(item):
                raise ValueError(f"{item!r} is not a MITRE ATLAS id (AML.T0010, AML.T0011.000, AML.M0013)")
        return value

    def to_meta(self) -> RuleMeta:
        return RuleMeta(
            id=self.id,
            title=self.title,
            severity=self.severity,
            rationale=self.rationale.strip(),
            remediation=self.remediation.strip(),
            owasp_llm=self.owasp_llm,
            mitre_atlas=self.mitre_atlas,
            references=self.references,
            asset_kinds=self.asset_kinds,
            tags=self.tags,
        )
