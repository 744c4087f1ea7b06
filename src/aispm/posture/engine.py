"""Running the rules: built-in checks and custom rules, tuned by the policy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from aispm.core.model import Finding, Inventory, RuleMeta, Severity
from aispm.posture import checks as _checks  # noqa: F401  (registers the built-in checks)
from aispm.posture import registry
from aispm.posture.policy import Policy

_Runner = Callable[[Inventory, Policy], Iterable[Finding]]


def all_rules(policy: Policy) -> list[tuple[RuleMeta, _Runner]]:
    """Every rule (built-in, then custom) with the function that runs it."""
    bound = registry.checks()
    builtin = sorted(registry.metadata().values(), key=lambda m: m.id)
    rules: list[tuple[RuleMeta, _Runner]] = [(m, bound[m.id]) for m in builtin]
    for rule in policy.custom_rules:
        rules.append((rule.to_meta(), lambda inv, _policy, rule=rule: rule.run(inv)))  # type: ignore[misc]
    return rules


def evaluate(inventory: Inventory, policy: Policy) -> tuple[list[Finding], dict[str, RuleMeta]]:
    """Run every enabled rule over the inventory.

    Disabled rules are skipped, severity overrides apply to the rule and to its findings, and a rule
    that raises becomes a ``posture`` warning on the inventory while the others go on.  Returns the
    findings (ordered by severity, rule, asset) and the metadata of every rule that ran.
    """
    disabled = set(policy.disabled_rules)
    findings: list[Finding] = []
    ran: dict[str, RuleMeta] = {}
    for meta, run in all_rules(policy):
        if meta.id in disabled:
            continue
        override = policy.severity_overrides.get(meta.id)
        ran[meta.id] = dataclasses.replace(meta, severity=override) if override else meta
        try:
            produced = list(run(inventory, policy))
        except Exception as exc:  # one broken rule must not stop the scan
            inventory.warn("posture", f"rule {meta.id} failed and was skipped: {type(exc).__name__}: {exc}")
            continue
        findings.extend(_with_severity(f, override) for f in produced)
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.asset_id, f.discriminator))
    return findings, ran


def _with_severity(finding: Finding, override: Severity | None) -> Finding:
    return dataclasses.replace(finding, severity=override) if override else finding
