"""Effective IAM permissions of a role or user, evaluated from its policy documents (no AWS calls).

Public API::

    perms = effective_permissions(role.properties)
    perms.allows("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/x")
    # -> Decision(result="allowed" | "conditional" | "denied" | "implicit_deny", statements=(...))
    ai_permissions(role.properties, buckets=["training-data"])   # JSON summary, see below
    annotate(inventory)                                          # see aispm.discover.aws.iam_annotate

Evaluation follows the IAM policy evaluation logic for a single account: an explicit Deny wins, an
action needs an Allow, and a permissions boundary caps what identity policies grant (the result is
the more restrictive of the two).  Conditions are not evaluated, they are *noted*: a matching Allow
under a Condition makes the result ``conditional`` (never dropped, never promoted to ``allowed``);
a Deny under a Condition cannot be relied on, so it turns ``allowed`` into ``conditional`` too.
Resource-based policies, SCPs and session policies are outside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from aispm.core.model import Inventory
from aispm.data import load_yaml
from aispm.discover.aws.iam_policy import (
    Statement,
    action_matches,
    iter_documents,
    load_document,
    parse_statements,
    resource_matches,
)
from aispm.discover.aws.iam_trust import trust_grants

_PROBE = "x9aispmprobe"
"""An action name no service has: a pattern matching ``service:<probe>`` grants the whole service."""


class Outcome(StrEnum):
    ALLOWED = "allowed"
    CONDITIONAL = "conditional"
    """Allowed only when a Condition (or a policy variable) holds, or a conditional Deny does not."""
    DENIED = "denied"
    """An explicit, unconditional Deny."""
    IMPLICIT_DENY = "implicit_deny"
    """No Allow matches."""


_STRICTNESS = {Outcome.ALLOWED: 0, Outcome.CONDITIONAL: 1, Outcome.IMPLICIT_DENY: 2, Outcome.DENIED: 3}


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one action on one resource, with the statements that decided it."""

    result: Outcome
    statements: tuple[Statement, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def granted(self) -> bool:
        """Allowed, or allowed under conditions (what a posture check must not ignore)."""
        return self.result in (Outcome.ALLOWED, Outcome.CONDITIONAL)

    @property
    def via(self) -> list[str]:
        return sorted({s.label for s in self.statements})


@dataclass(frozen=True, slots=True)
class Permissions:
    """Identity statements and the permissions boundary of one role or user."""

    statements: tuple[Statement, ...]
    boundary: tuple[Statement, ...] | None = None
    """Statements of the permissions boundary; ``None`` when there is no boundary."""
    boundary_unknown: bool = False
    """A boundary is set but its document is not in the inventory: grants are only conditional."""

    def allows(self, action: str, resource: str = "*") -> Decision:
        """Evaluate ``action`` on ``resource`` (an ARN, or a Resource pattern taken literally)."""
        decision = _decide(self.statements, action, resource)
        if self.boundary is not None and decision.granted:
            capped = _decide(self.boundary, action, resource)
            if _STRICTNESS[capped.result] > _STRICTNESS[decision.result]:
                note = "permissions boundary " + capped.result.value.replace("_", " ")
                return Decision(capped.result, capped.statements, (*decision.notes, note))
        if self.boundary_unknown and decision.result is Outcome.ALLOWED:
            return Decision(Outcome.CONDITIONAL, decision.statements, ("permissions boundary not evaluated",))
        return decision

    def grants(self, action: str) -> list[tuple[Statement, str]]:
        """Allow statements whose actions cover ``action``, each with a Resource pattern it names.

        A NotResource statement is reported with ``*`` (it covers everything it does not exclude).
        """
        out: list[tuple[Statement, str]] = []
        for statement in self.statements:
            if statement.allow and statement.matches_action(action):
                resources = ("*",) if statement.not_resources is not None else statement.resources
                out.extend((statement, r) for r in resources)
        return out

    def whole_service(self, service: str) -> list[tuple[Statement, str]]:
        """Grants of every action of ``service`` (``sagemaker:*``, ``*``, a wide NotAction ...)."""
        return self.grants(f"{service}:{_PROBE}")


def _decide(statements: Iterable[Statement], action: str, resource: str) -> Decision:
    matched = [s for s in statements if s.matches_action(action) and s.matches_resource(resource)]
    hard_deny = tuple(s for s in matched if not s.allow and not s.conditional)
    if hard_deny:
        return Decision(Outcome.DENIED, hard_deny)
    allows = [s for s in matched if s.allow]
    if not allows:
        return Decision(Outcome.IMPLICIT_DENY)
    soft_deny = [s for s in matched if not s.allow]
    if soft_deny or all(s.conditional for s in allows):
        notes = ("a conditional Deny may apply",) if soft_deny else ("allowed under a condition",)
        return Decision(Outcome.CONDITIONAL, tuple(allows + soft_deny), notes)
    return Decision(Outcome.ALLOWED, tuple(s for s in allows if not s.conditional))


def effective_permissions(properties: Mapping[str, Any]) -> Permissions:
    """The permissions of an IAM role or user asset (its properties per the AWS asset contract)."""
    statements: list[Statement] = []
    for source, document in iter_documents(properties):
        statements.extend(parse_statements(document, source))
    boundary_prop = properties.get("PermissionsBoundary")
    boundary: tuple[Statement, ...] | None = None
    unknown = False
    if isinstance(boundary_prop, Mapping) and boundary_prop:
        document = load_document(boundary_prop.get("document"))
        if document is None:
            unknown = True
        else:
            source = str(boundary_prop.get("PermissionsBoundaryArn") or "boundary")
            boundary = tuple(parse_statements(document, f"boundary:{source}"))
    return Permissions(tuple(statements), boundary, unknown)


# ---- the AI-relevant summary ---------------------------------------------------------------------


@cache
def catalog() -> Mapping[str, Any]:
    """``data/aws_iam_actions.yaml``: the AI-relevant action catalog."""
    data = load_yaml("aws_iam_actions.yaml")
    assert isinstance(data, dict), "data/aws_iam_actions.yaml must be a mapping"
    return data


def is_wide(resource: str) -> bool:
    """A Resource pattern that names every resource of its service (``*``, ``arn:aws:bedrock:*:*:*``)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and all(p in ("", "*") for p in parts[3:5]) and parts[5] in ("*", "*/*")


def ai_permissions(properties: Mapping[str, Any], buckets: Iterable[str] = ()) -> dict[str, Any]:
    """What an identity may do to the AI estate, as JSON.

    ``buckets`` are the names of buckets that hold training data, model artifacts, data capture or
    logs.  Keys: ``invoke``, ``modify`` (lists of ``{action, resource, wide, decision, via}``),
    ``read_data`` / ``write_data`` (the same plus ``bucket``), ``pass_role`` (``{resource,
    services, decision, via}``; ``services`` is ``["*"]`` without an ``iam:PassedToService``
    condition), ``service_wildcards`` (``{service, resource, decision, via}``), ``admin`` (``*`` on
    ``*``), ``boundary`` (``none`` | ``evaluated`` | ``not_evaluated``) and ``trust`` (see
    :func:`aispm.discover.aws.iam_trust.trust_grants`).
    """
    perms = effective_permissions(properties)
    cat = catalog()
    bucket_list = sorted(set(buckets))
    admin = perms.allows(f"{_PROBE}:{_PROBE}", "*")
    return {
        "invoke": _action_grants(perms, cat["invoke"]),
        "modify": _action_grants(perms, cat["modify"]),
        "read_data": _bucket_grants(perms, cat["read_data"], bucket_list),
        "write_data": _bucket_grants(perms, cat["write_data"], bucket_list),
        "pass_role": _pass_role(perms, cat["pass_role_services"]),
        "service_wildcards": _service_wildcards(perms, cat["ai_services"]),
        "admin": admin.result.value if admin.granted else None,
        "boundary": "none"
        if perms.boundary is None and not perms.boundary_unknown
        else "not_evaluated"
        if perms.boundary_unknown
        else "evaluated",
        "trust": trust_grants(properties),
    }


def _entry(perms: Permissions, action: str, resource: str) -> dict[str, Any] | None:
    decision = perms.allows(action, resource)
    if not decision.granted:
        return None
    return {
        "action": action,
        "resource": resource,
        "wide": is_wide(resource),
        "decision": decision.result.value,
        "via": decision.via,
    }


def _action_grants(perms: Permissions, actions: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for action in actions:
        for resource in sorted({r for _, r in perms.grants(action)}):
            entry = _entry(perms, action, resource)
            if entry:
                out.append(entry)
    return out


def _bucket_grants(perms: Permissions, actions: Iterable[str], buckets: list[str]) -> list[dict[str, Any]]:
    out = []
    for action in actions:
        for resource in sorted({r for _, r in perms.grants(action)}):
            for bucket in buckets:
                if not _covers_bucket(resource, bucket):
                    continue
                entry = _entry(perms, action, resource if resource != "*" else f"arn:aws:s3:::{bucket}/*")
                if entry:
                    out.append({**entry, "resource": resource, "bucket": bucket})
    return out


def _covers_bucket(resource: str, bucket: str) -> bool:
    """Does an object-level Resource pattern reach objects of ``bucket``?"""
    if resource == "*":
        return True
    if not resource.startswith("arn:"):
        return False
    parts = resource.split(":", 5)
    if len(parts) < 6 or not action_matches(parts[2], "s3"):
        return False
    name, _, key = parts[5].partition("/")
    if "*" in name and not key:
        return resource_matches(parts[5], f"{bucket}/x")  # "bucket*" runs on into the key
    return bool(key) and resource_matches(name, bucket)


def _pass_role(perms: Permissions, ai_services: Iterable[str]) -> list[dict[str, Any]]:
    wanted = {s.lower() for s in ai_services}
    out = []
    for statement, resource in perms.grants("iam:PassRole"):
        values = [v.lower() for v in statement.condition_values("iam:PassedToService")]
        matched = sorted(s for s in wanted if any(action_matches(v, s) for v in values))
        services = matched if values else ["*"]
        if not services:
            continue
        decision = perms.allows("iam:PassRole", resource)
        if decision.granted:
            out.append(
                {
                    "resource": resource,
                    "wide": is_wide(resource),
                    "services": services,
                    "decision": decision.result.value,
                    "via": decision.via,
                }
            )
    return out


def _service_wildcards(perms: Permissions, services: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for service in services:
        for resource in sorted({r for _, r in perms.whole_service(service)}):
            decision = perms.allows(f"{service}:{_PROBE}", resource)
            if decision.granted:
                out.append(
                    {
                        "service": service,
                        "resource": resource,
                        "wide": is_wide(resource),
                        "decision": decision.result.value,
                        "via": decision.via,
                    }
                )
    return out


def annotate(inventory: Inventory) -> None:
    """Add ``ai_permissions`` to AWS identities and ``can_assume`` edges; see :mod:`.iam_annotate`."""
    from aispm.discover.aws.iam_annotate import annotate as _annotate

    _annotate(inventory)


__all__ = [
    "Decision",
    "Outcome",
    "Permissions",
    "ai_permissions",
    "annotate",
    "catalog",
    "effective_permissions",
    "is_wide",
]
