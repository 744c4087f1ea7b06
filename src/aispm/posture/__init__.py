"""Posture rules: built-in checks with metadata in ``data/rules``, custom YAML rules, the policy file.

Public API::

    policy = load_policy(Path(".aispm.yaml"))   # or load_policy(None) for the defaults
    findings, rules = evaluate(inventory, policy)
    builtin_rules()                             # metadata of every built-in rule
"""

from __future__ import annotations

from aispm.core.model import RuleMeta
from aispm.posture import checks as _checks  # noqa: F401  (registers the built-in checks)
from aispm.posture import registry
from aispm.posture.custom import CustomRule
from aispm.posture.engine import all_rules, evaluate
from aispm.posture.errors import PolicyError, RuleDataError
from aispm.posture.policy import Policy, load_policy

registry.verify()


def builtin_rules() -> list[RuleMeta]:
    """Metadata of every built-in rule, ordered by id."""
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
]
