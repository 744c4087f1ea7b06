"""Terraform plan files (``terraform show -json plan.out``).

A plan holds every attribute as the provider will set it, defaults included, so its values need no
evaluation; references come from the plan's ``configuration`` section.  Each module of the plan
is handed to the emitter on its own, like a directory of ``.tf`` files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from aispm.discover.iac.resource import IacResource


class PlanError(Exception):
    """The file is not a readable plan."""


def looks_like_plan(head: bytes) -> bool:
    return b'"format_version"' in head and (b'"planned_values"' in head or b'"terraform_version"' in head)


def plan_modules(text: str, rel: str) -> Iterator[list[IacResource]]:
    """The resources of each module of a plan (``planned_values``, else ``values`` of a state)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PlanError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PlanError("not a Terraform plan")
    root = (data.get("planned_values") or data.get("values") or {}).get("root_module")
    if not isinstance(root, dict):
        raise PlanError("no planned_values.root_module (is this `terraform show -json` output?)")
    config = (data.get("configuration") or {}).get("root_module") or {}
    yield from _modules(root, config, text, rel)


def _modules(
    module: dict[str, Any], config: dict[str, Any], text: str, rel: str
) -> Iterator[list[IacResource]]:
    expressions = {
        f"{r.get('type')}.{r.get('name')}": r.get("expressions") or {}
        for r in config.get("resources") or []
        if isinstance(r, dict)
    }
    found = []
    for res in module.get("resources") or []:
        if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
            continue
        rtype, name, address = str(res.get("type")), str(res.get("name")), str(res.get("address"))
        refs = {
            attr: _refs(expr) for attr, expr in expressions.get(f"{rtype}.{name}", {}).items() if _refs(expr)
        }
        found.append(
            IacResource(
                engine="terraform-plan",
                type=rtype,
                name=name,
                address=f"tfplan:{rel}/{address}",
                file=rel,
                line=_line_of(text, address),
                attrs=dict(res.get("values") or {}),
                refs=refs,
            )
        )
    yield found
    calls = config.get("module_calls") or {}
    for child in module.get("child_modules") or []:
        if not isinstance(child, dict):
            continue
        key = str(child.get("address", "")).rsplit(".", 1)[-1]
        child_config = (calls.get(key) or {}).get("module") or {}
        yield from _modules(child, child_config, text, rel)


def _refs(expr: Any) -> list[str]:
    """``type.name`` of the resources an expression refers to (plans list ``x.y.arn`` and ``x.y``)."""
    out: list[str] = []
    if isinstance(expr, dict):
        for ref in expr.get("references") or []:
            parts = str(ref).split(".")
            if parts[0] in ("var", "local", "module", "each", "count", "path", "data"):
                continue
            if len(parts) >= 2 and f"{parts[0]}.{parts[1]}" not in out:
                out.append(f"{parts[0]}.{parts[1]}")
        for value in expr.values():
            if isinstance(value, dict | list):
                out.extend(r for r in _refs(value) if r not in out)
    elif isinstance(expr, list):
        for item in expr:
            out.extend(r for r in _refs(item) if r not in out)
    return out


def _line_of(text: str, address: str) -> int | None:
    match = re.search(r'"address"\s*:\s*"' + re.escape(address) + '"', text)
    return text.count("\n", 0, match.start()) + 1 if match else None
