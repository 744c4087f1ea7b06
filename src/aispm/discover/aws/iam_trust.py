"""Trust policy analysis: who may assume a role, and whether that is wider than it should be."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aispm.data import load_yaml
from aispm.discover.aws.iam_policy import Statement, parse_statements

_ACCOUNT = re.compile(r"^\d{12}$")
_ARN_ACCOUNT = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")


def _catalog() -> Mapping[str, Any]:
    data = load_yaml("aws_iam_actions.yaml")
    assert isinstance(data, dict)
    return data


def account_of(principal: str) -> str | None:
    """The account of an AWS principal (``123456789012``, ``arn:aws:iam::123456789012:root`` ...)."""
    if _ACCOUNT.match(principal):
        return principal
    match = _ARN_ACCOUNT.match(principal)
    return match.group(1) if match else None


def role_account(properties: Mapping[str, Any]) -> str | None:
    """The account a role belongs to: ``account_id``, else the one in its ARN."""
    account = properties.get("account_id")
    if isinstance(account, str) and account:
        return account
    arn = properties.get("arn") or properties.get("Arn")
    return account_of(str(arn)) if arn else None


def trust_grants(properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per principal an ``AssumeRolePolicyDocument`` allows to assume the role.

    Entry: ``principal``, ``type`` (AWS/Service/Federated/*), ``kind`` (``wildcard`` |
    ``foreign_account`` | ``same_account`` | ``service`` | ``federated``), ``account``,
    ``conditional``, ``condition_keys``, ``external_id`` (bool), ``issues`` (why it is too wide;
    empty when it is fine) and ``via``.
    """
    document = properties.get("AssumeRolePolicyDocument")
    if document is None:
        return []
    cat = _catalog()
    assume = [str(a) for a in cat["assume_role_actions"]]
    narrowing = {str(k).lower() for k in cat["trust_narrowing_keys"]}
    own = role_account(properties)
    out = []
    for statement in parse_statements(document, "trust"):
        if not statement.allow or not any(statement.matches_action(a) for a in assume):
            continue
        for ptype, principal in _principals_of(statement):
            out.append(_grant(statement, ptype, principal, own, narrowing))
    return out


def _principals_of(statement: Statement) -> list[tuple[str, str]]:
    if statement.not_principals is not None:
        return [("NotPrincipal", "*")]  # Allow with NotPrincipal: everyone but a few
    pairs: list[tuple[str, str]] = []
    for ptype, values in (statement.principals or {}).items():
        pairs.extend((ptype, value) for value in values)
    return pairs


def _grant(
    statement: Statement, ptype: str, principal: str, own: str | None, narrowing: set[str]
) -> dict[str, Any]:
    keys = statement.condition_keys()
    external_id = "sts:externalid" in keys
    narrowed = bool(keys & narrowing)
    account = account_of(principal) if ptype == "AWS" else None
    issues: list[str] = []
    if principal == "*" or ptype in ("*", "NotPrincipal"):
        kind = "wildcard"
        if not narrowed:
            issues.append("any AWS principal can assume the role (no narrowing condition)")
    elif ptype == "AWS":
        kind = "same_account" if own is not None and account == own else "foreign_account"
        if kind == "foreign_account" and not narrowed:
            issues.append(f"account {account or principal} outside the role's account, no sts:ExternalId")
    elif ptype == "Federated":
        kind = "federated"
        web = statement.matches_action("sts:AssumeRoleWithWebIdentity")
        if web and not any(k.endswith((":sub", ":aud", ":amr")) for k in keys):
            issues.append("any identity of the identity provider can assume the role (no sub/aud condition)")
    else:
        kind = "service"
    return {
        "principal": principal,
        "type": ptype,
        "kind": kind,
        "account": account,
        "conditional": statement.conditional,
        "condition_keys": sorted(keys),
        "external_id": external_id,
        "issues": issues,
        "via": statement.label,
    }
