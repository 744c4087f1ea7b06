"""Check a stub's JSON response against the botocore service model of the operation it answers."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.model import Shape

_SESSION = botocore.session.get_session()


def shape_errors(service: str, operation: str, body: Any) -> list[str]:
    """Problems of ``body`` as the output of ``operation``: unknown members, wrong types, missing
    required members (empty when the response is real-shaped)."""
    model = _SESSION.get_service_model(service).operation_model(operation)
    errors: list[str] = []
    if model.output_shape is not None:
        _check(model.output_shape, body, operation, errors)
    return errors


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected object")
            return
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key not in members:
                errors.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                _check(members[key], item, f"{path}.{key}", errors)
        for key in shape.required_members:  # type: ignore[attr-defined]
            if key not in value and members[key].serialization.get("location") is None:
                errors.append(f"{path}.{key}: required member missing")
    elif kind == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected list")
            return
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]", errors)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected map")
            return
        for key, item in value.items():
            _check(shape.value, item, f"{path}.{key}", errors)  # type: ignore[attr-defined]
    elif kind in ("string", "timestamp", "blob"):
        if not isinstance(value, str):
            errors.append(f"{path}: expected string")
        elif getattr(shape, "enum", None) and value not in shape.enum:  # type: ignore[attr-defined]
            errors.append(f"{path}: {value!r} not in enum {shape.name}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected integer")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected boolean")
    elif kind in ("float", "double") and not isinstance(value, int | float):
        errors.append(f"{path}: expected number")
