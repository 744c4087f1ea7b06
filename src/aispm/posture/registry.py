"""The rule registry: metadata from ``data/rules/*.yaml``, check functions bound by id.

A check is a small function ``(inventory, policy) -> Iterable[Finding]`` registered with
``@check("AISPM-CODE-001")``.  :func:`checks` imports the built-in checks (``posture/checks/``)
the first time it is asked, and :func:`verify` then makes sure every metadata entry has a check and
every check has metadata.

The metadata files are parsed and validated (PyYAML, pydantic) only when they changed: the
validated metadata is kept as JSON in the user cache (:func:`aispm.data.cache.compiled`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from aispm.core.model import AssetKind, Finding, Inventory, RuleMeta, Severity
from aispm.data import data_bytes, data_names
from aispm.data.cache import compiled
from aispm.posture.errors import RuleDataError, rule_id_at

if TYPE_CHECKING:
    from aispm.posture.policy import Policy

CheckFn: TypeAlias = "Callable[[Inventory, Policy], Iterable[Finding]]"

BUILTIN_ID = re.compile(r"^AISPM-(SEC|SUP|CODE|AGENT|MCP|GOV|GUARD|AWS|K8S|AZURE|GCP)-\d{3}$")
"""The shape of a built-in rule id."""

_RULES_DIR = "rules"
_VALIDATION_CODE = ("spec.py", "registry.py")
"""The modules that turn rule files into metadata: part of the compiled metadata's cache key."""

_CHECKS: dict[str, CheckFn] = {}
_builtin_checks_loaded = False


def check(rule_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of the built-in rule ``rule_id``."""

    def decorate(fn: CheckFn) -> CheckFn:
        if rule_id in _CHECKS:
            raise RuleDataError(f"rule {rule_id}: two checks registered ({_CHECKS[rule_id]} and {fn})")
        _CHECKS[rule_id] = fn
        return fn

    return decorate


def checks() -> dict[str, CheckFn]:
    """The registered checks by rule id (the built-in ones are imported and verified first)."""
    verify()
    return dict(_CHECKS)


def _import_builtin_checks() -> None:
    global _builtin_checks_loaded
    if not _builtin_checks_loaded:
        import aispm.posture.checks  # noqa: F401  (importing registers every built-in check)

        _builtin_checks_loaded = True


def parse_rule_file(text: str, source: str) -> list[RuleMeta]:
    """Parse one built-in metadata file: a YAML list of rule entries."""
    import yaml
    from pydantic import ValidationError

    from aispm.posture.errors import describe_validation_error
    from aispm.posture.spec import RuleSpec

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
    names = [n for n in data_names(_RULES_DIR) if n.endswith(".yaml")]
    files = {name: data_bytes(f"{_RULES_DIR}/{name}") for name in names}
    inputs = ["\0".join(names).encode(), *files.values(), *map(_source_of, _VALIDATION_CODE)]
    rows = compiled("rules", inputs, lambda: [m.to_json() for m in _parse_rule_files(files).values()])
    return {str(row["id"]): _meta_from_json(row) for row in rows}


def _source_of(module_file: str) -> bytes:
    try:
        return (Path(__file__).parent / module_file).read_bytes()
    except OSError:  # installed without sources: the version in the cache key has to do
        return b""


def _parse_rule_files(files: dict[str, bytes]) -> dict[str, RuleMeta]:
    out: dict[str, RuleMeta] = {}
    for name, raw in files.items():
        source = f"data/{_RULES_DIR}/{name}"
        for meta in parse_rule_file(raw.decode("utf-8"), source):
            if meta.id in out:
                raise RuleDataError(f"{source}: rule {meta.id}: field 'id': defined twice")
            out[meta.id] = meta
    return out


def _meta_from_json(row: dict[str, Any]) -> RuleMeta:
    """The :class:`RuleMeta` that :meth:`RuleMeta.to_json` gave ``row``."""
    return RuleMeta(
        id=row["id"],
        title=row["title"],
        severity=Severity(row["severity"]),
        rationale=row["rationale"],
        remediation=row["remediation"],
        owasp_llm=tuple(row["owasp_llm"]),
        mitre_atlas=tuple(row["mitre_atlas"]),
        references=tuple(row["references"]),
        asset_kinds=tuple(AssetKind(k) for k in row["asset_kinds"]),
        tags=tuple(row["tags"]),
    )


def metadata() -> dict[str, RuleMeta]:
    """Metadata of every built-in rule by id (parsed once)."""
    return dict(_metadata())


def meta(rule_id: str) -> RuleMeta:
    """Metadata of one built-in rule."""
    return _metadata()[rule_id]


def verify() -> None:
    """Raise :class:`RuleDataError` unless metadata and checks correspond one to one."""
    _import_builtin_checks()
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
