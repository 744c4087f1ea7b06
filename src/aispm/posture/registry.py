"""The rule registry: metadata from ``data/rules/*.yaml``, check functions bound by id.

A check is a small function ``(inventory, policy) -> Iterable[Finding]`` registered with
``@check("AISPM-CODE-001")``.  :func:`verify` makes sure every metadata entry has a check and
every check has metadata; :mod:`aispm.posture` calls it once the built-in checks are imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias

import yaml
from pydantic import ValidationError

from aispm.core.model import Finding, Inventory, RuleMeta
from aispm.posture.errors import RuleDataError, describe_validation_error, rule_id_at
from aispm.posture.spec import RuleSpec

if TYPE_CHECKING:
    from aispm.posture.policy import Policy

CheckFn: TypeAlias = "Callable[[Inventory, Policy], Iterable[Finding]]"

BUILTIN_ID = re.compile(r"^AISPM-(SEC|SUP|CODE|AGENT|MCP|GOV|GUARD|AWS|K8S|AZURE|GCP)-\d{3}$")
"""The shape of a built-in rule id."""

_RULES_PACKAGE = "aispm.data"
_RULES_DIR = "rules"

_CHECKS: dict[str, CheckFn] = {}


def check(rule_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of the built-in rule ``rule_id``."""

    def decorate(fn: CheckFn) -> CheckFn:
        if rule_id in _CHECKS:
            raise RuleDataError(f"rule {rule_id}: two checks registered ({_CHECKS[rule_id]} and {fn})")
        _CHECKS[rule_id] = fn
        return fn

    return decorate


def checks() -> dict[str, CheckFn]:
    """The registered checks by rule id."""
    return dict(_CHECKS)


def parse_rule_file(text: str, source: str) -> list[RuleMeta]:
    """Parse one built-in metadata file: a YAML list of rule entries."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleDataError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, list):
        raise RuleDataError(f"{source}: expected a list of rules at the top level")
    metas = []
    for index, item in enumerate(raw):
        where = f"{source}: rule #{index + 1}" + (f" ({rid})" if (rid := rule_id_at(raw, index)) else "")
        if not isinstance(item, dict):
            raise RuleDataError(f"{where}: expected a mapping of rule fields")
        try:
            spec = RuleSpec.model_validate(item)
        except ValidationError as exc:
            raise RuleDataError(f"{where}: " + "; ".join(describe_validation_error(exc))) from None
        if not BUILTIN_ID.match(spec.id):
            raise RuleDataError(f"{where}: field 'id': {spec.id!r} is not of the form AISPM-<AREA>-NNN")
        for name in ("rationale", "remediation"):
            if not getattr(spec, name).strip():
                raise RuleDataError(f"{where}: field '{name}' must not be empty")
        metas.append(spec.to_meta())
    return metas


@cache
def _metadata() -> dict[str, RuleMeta]:
    folder = resources.files(_RULES_PACKAGE).joinpath(_RULES_DIR)
    out: dict[str, RuleMeta] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"data/{_RULES_DIR}/{entry.name}"
        for meta in parse_rule_file(entry.read_text(encoding="utf-8"), source):
            if meta.id in out:
                raise RuleDataError(f"{source}: rule {meta.id}: field 'id': defined twice")
            out[meta.id] = meta
    return out


def metadata() -> dict[str, RuleMeta]:
    """Metadata of every built-in rule by id (parsed once)."""
    return dict(_metadata())


def meta(rule_id: str) -> RuleMeta:
    """Metadata of one built-in rule."""
    return _metadata()[rule_id]


def verify() -> None:
    """Raise :class:`RuleDataError` unless metadata and checks correspond one to one."""
    ids = set(_metadata())
    missing_check = sorted(ids - _CHECKS.keys())
    missing_meta = sorted(_CHECKS.keys() - ids)
    problems = []
    if missing_check:
        problems.append("rules without a check: " + ", ".join(missing_check))
    if missing_meta:
        problems.append("checks without metadata in data/rules/*.yaml: " + ", ".join(missing_meta))
    if problems:
        raise RuleDataError("; ".join(problems))
