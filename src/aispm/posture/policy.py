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

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aispm.core.model import Severity
from aispm.posture.errors import PolicyError, clean_loc, describe_validation_error, field_path, rule_id_at

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from aispm.posture.custom import CustomRule

POLICY_FILE_NAME = ".aispm.yaml"
"""The policy file ``aispm scan`` and ``aispm model scan`` read at the root of a checkout."""

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


@dataclass(frozen=True)
class Policy:
    """Approved lists and rule tuning; every list left empty means "no restriction".

    Values other than the defaults are validated (and lists made tuples) by the pydantic model in
    :mod:`aispm.posture.policy_schema`, which raises ``pydantic.ValidationError``; the defaults
    need no validation, so a scan without a policy file never imports pydantic.
    """

    approved_providers: tuple[str, ...] = ()
    """AI providers code may use (``openai``, ``anthropic`` ...), compared case-insensitively."""
    approved_models: tuple[str, ...] = ()
    """fnmatch globs of approved model ids (``gpt-4o*``), matched against ``model`` or ``provider/model``."""
    banned_model_formats: tuple[str, ...] = ()
    """Model file formats that must not be committed (see :data:`MODEL_FORMATS`)."""
    allowed_model_licenses: tuple[str, ...] = ()
    """Licences a model file's card may name (``apache-2.0``, ``mit`` ...), compared case-insensitively."""
    allowed_mcp_launchers: tuple[str, ...] = ()
    """Launchers MCP servers may be started with (``docker``, ``uvx``, ``npx``, ``node`` ...)."""
    approved_registries: tuple[str, ...] = ()
    """fnmatch globs of container registries/repositories AI workloads may pull from
    (``registry.acme.io``, ``nvcr.io/nim/*``); matched against the registry host and the image name."""
    approved_model_servers: tuple[str, ...] = ()
    """Model servers (catalog ids: ``vllm``, ``ollama``, ``triton`` ...) that may run on Kubernetes."""
    max_agent_tools: int = 15
    """An agent with more tools than this is reported (at least 1)."""
    disabled_rules: tuple[str, ...] = ()
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    custom_rules: tuple[CustomRule, ...] = ()
    custom_rule_files: tuple[str, ...] = ()
    """Files of custom rules, relative to the policy file."""

    def __post_init__(self) -> None:
        if self._is_default():
            return
        from aispm.posture.policy_schema import PolicySchema

        checked = PolicySchema.model_validate({f.name: getattr(self, f.name) for f in _FIELDS})
        for f in _FIELDS:
            object.__setattr__(self, f.name, getattr(checked, f.name))

    def _is_default(self) -> bool:
        return all(getattr(self, f.name) == _DEFAULTS[f.name] for f in _FIELDS)

    def approves_provider(self, provider: str) -> bool:
        return not self.approved_providers or provider.lower() in {p.lower() for p in self.approved_providers}


def _field_default(f: dataclasses.Field[Any]) -> Any:
    factory: Any = f.default_factory
    return f.default if factory is dataclasses.MISSING else factory()


_FIELDS = dataclasses.fields(Policy)
_DEFAULTS: dict[str, Any] = {f.name: _field_default(f) for f in _FIELDS}


def _from_schema(model: BaseModel) -> Policy:
    """The :class:`Policy` of a validated schema model (without validating it again)."""
    policy = object.__new__(Policy)
    for f in _FIELDS:
        object.__setattr__(policy, f.name, getattr(model, f.name))
    return policy


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
    from pydantic import ValidationError

    from aispm.posture.custom import CustomRule

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
    from pydantic import ValidationError

    from aispm.posture.policy_schema import PolicySchema

    try:
        return _from_schema(PolicySchema.model_validate(raw))
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
    import yaml

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
