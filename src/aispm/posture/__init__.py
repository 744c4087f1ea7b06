"""Posture rules: built-in checks with metadata in ``data/rules``, custom YAML rules, the policy file.

Public API::

    policy = load_policy(Path(".aispm.yaml"))   # or load_policy(None) for the defaults
    findings, rules = evaluate(inventory, policy)
    builtin_rules()                             # metadata of every built-in rule

The names are imported on first use, so ``import aispm.posture`` alone loads neither the checks
nor pydantic (which only a policy file or custom rules need).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from aispm.core.model import RuleMeta

if TYPE_CHECKING:
    from aispm.posture import registry
    from aispm.posture.custom import CustomRule
    from aispm.posture.engine import all_rules, evaluate
    from aispm.posture.errors import PolicyError, RuleDataError
    from aispm.posture.policy import Policy, load_policy

_LAZY = {
    "CustomRule": "aispm.posture.custom",
    "Policy": "aispm.posture.policy",
    "PolicyError": "aispm.posture.errors",
    "RuleDataError": "aispm.posture.errors",
    "all_rules": "aispm.posture.engine",
    "evaluate": "aispm.posture.engine",
    "load_policy": "aispm.posture.policy",
}


def __getattr__(name: str) -> Any:
    if name == "registry":
        return import_module("aispm.posture.registry")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)


def builtin_rules() -> list[RuleMeta]:
    """Metadata of every built-in rule, ordered by id."""
    from aispm.posture import registry

    return sorted(registry.metadata().values(), key=lambda m: m.id)


__all__ = [
    "CustomRule",
    "Policy",
    "PolicyError",
    "RuleDataError",
    "all_rules",
    "builtin_rules",
    "evaluate",
    "load_policy",
    "registry",
]
