"""The policy file: what an organisation approves, and how rules are tuned.

.. code-block:: yaml

    approved_providers: [openai, anthropic]
    approved_models: ["gpt-4o*", "claude-*"]
    banned_model_formats: [pickle]
    allowed_model_licenses: [apache-2.0, mit]
    allowed_mcp_launchers: [docker, uvx]
    approved_registries: [registry.acme.io, nvcr.io]
    approved_model_servers: [vllm, triton]
    max_agent_tools: 15
    disabled_rules: [AISPM-GOV-006]
    severity_overrides: {AISPM-SUP-005: medium}
    custom_rules: [...]
    custom_rule_files: [rules/acme.yaml]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aispm.core.model import Severity
from aispm.posture import registry
from aispm.posture.custom import CustomRule
from aispm.posture.errors import PolicyError, clean_loc, describe_validation_error, field_path, rule_id_at

MODEL_FORMATS = (
    "pickle",
    "pytorch",
    "safetensors",
    "onnx",
    "gguf",
    "keras_h5",
    "keras_v3",
    "tf_savedmodel",
    "joblib",
    "numpy",
)
"""Values of a model file's ``format`` property."""


class Policy(BaseModel):
    """Approved lists and rule tuning; every list left empty means "no restriction"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    approved_providers: tuple[str, ...] = ()
    """AI providers code may use (``openai``, ``anthropic`` ...), compared case-insensitively."""
    approved_models: tuple[str, ...] = ()
    """fnmatch globs of approved model ids (``gpt-4o*``), matched against ``model`` or ``provider/model``."""
    banned_model_formats: tuple[str, ...] = ()
    """Model file formats that must not be committed (see :data:`MODEL_FORMATS`)."""
    allowed_model_licenses: tuple[str, ...] = ()
    """Licences a model file's card may name (``apache-2.0``, ``mit`` ...), compared case-insensitively."""
    allowed_mcp_launchers: tuple[str, ...] = ()
    approved_registries: tuple[str, ...] = ()
    """fnmatch globs of container registries/repositories AI workloads may pull from
    (``registry.acme.io``, ``nvcr.io/nim/*``); matched against the registry host and the image name."""
    approved_model_servers: tuple[str, ...] = ()
    """Model servers (catalog ids: ``vllm``, ``ollama``, ``triton`` ...) that may run on Kubernetes."""
    """Launchers MCP servers may be started with (``docker``, ``uvx``, ``npx``, ``node`` ...)."""
    max_agent_tools: int = Field(default=15, ge=1)
    """An agent with more tools than this is reported."""
    disabled_rules: tuple[str, ...] = ()
    severity_overrides: dict[str, Severity] = Field(default_factory=dict)
    custom_rules: tuple[CustomRule, ...] = ()
    custom_rule_files: tuple[str, ...] = ()
    """Files of custom rules, relative to the policy file."""

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
    def _known_rules(self) -> Policy:
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

    def approves_provider(self, provider: str) -> bool:
        return not self.approved_providers or provider.lower() in {p.lower() for p in self.approved_providers}


def load_policy(path: Path | None) -> Policy:
    """Read a policy file; ``None`` gives the defaults.  Problems raise :class:`PolicyError`."""
    if path is None:
        return Policy()
    raw = _read_yaml(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping of settings at the top level")
    raw = dict(raw)
    files = raw.get("custom_rule_files") or []
    if isinstance(files, list):
        inline = raw.get("custom_rules") or []
        if not isinstance(inline, list):
            raise PolicyError(f"{path}: field 'custom_rules': expected a list of rules")
        extra = [rule for name in files for rule in load_rule_file(path.parent / str(name))]
        raw["custom_rules"] = [*inline, *extra]
    return _validate(raw, str(path))


def load_rule_file(path: Path) -> list[CustomRule]:
    """Custom rules from one file: a YAML list of rules (or ``{rules: [...]}``)."""
    raw = _read_yaml(path)
    if isinstance(raw, dict) and set(raw) == {"rules"}:
        raw = raw["rules"]
    if not isinstance(raw, list):
        raise PolicyError(f"{path}: expected a list of rules (or a mapping with one key 'rules')")
    rules = []
    for index, item in enumerate(raw):
        rid = rule_id_at(raw, index)
        where = f"{path}: rule #{index + 1}" + (f" ({rid})" if rid else "")
        try:
            rules.append(CustomRule.model_validate(item))
        except ValidationError as exc:
            raise PolicyError(f"{where}: " + "; ".join(describe_validation_error(exc))) from None
    return rules


def _validate(raw: dict[str, Any], source: str) -> Policy:
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"{source}: " + "; ".join(_describe(exc, raw))) from None


def _describe(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        loc = clean_loc(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        rule = ""
        if len(loc) >= 2 and loc[0] == "custom_rules" and isinstance(loc[1], int):
            rid = rule_id_at(raw.get("custom_rules"), loc[1])
            rule = f"rule {rid}: " if rid else f"rule #{loc[1] + 1}: "
        place = f"field '{field_path(loc)}': " if loc else ""
        lines.append(f"{rule}{place}{message}")
    return lines


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None


def policy_from_dict(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate an in-memory policy mapping with the same messages as :func:`load_policy`."""
    return _validate(data, source)
