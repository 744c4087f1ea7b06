"""One MCP server definition described as the documented ``mcp_server`` properties.

Shared by the MCP config-file analyzer and the Python analyzer (servers defined in code), so
both give the same properties: how the server is launched (command, args, launcher, package and
whether its version is pinned), its transport and URL, the names of its environment variables,
and the secrets it carries.  Pattern matches of the secrets detector are returned with the
description (to become secret assets); literal values of credential-named variables are listed
in ``env_literal_keys``.  Every secret is stored redacted only, in ``args`` and ``url`` too.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from aispm.core.redact import redact
from aispm.data import load_yaml
from aispm.detect.base import Detection
from aispm.detect.scrub import detect_secrets, redact_detections
from aispm.discover.code.mcp_launch import launcher_of, parse_launch

_INPUT_REF = re.compile(r"\$\{input:([^}]+)\}")
_URL_KEYS = ("url", "serverUrl", "httpUrl", "endpoint")


@dataclass(frozen=True, slots=True)
class _Config:
    secret_names: tuple[re.Pattern[str], ...]
    not_literal: tuple[re.Pattern[str], ...]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("mcp_config_files.yaml")
    return _Config(
        secret_names=tuple(re.compile(p, re.IGNORECASE) for p in data["secret_env_names"]),
        not_literal=tuple(re.compile(p) for p in data["not_literal_values"]),
    )


def is_secret_name(name: str) -> bool:
    """Whether an environment variable / option / header name denotes a credential."""
    cleaned = name.strip().lstrip("-").replace("-", "_")
    return any(p.fullmatch(cleaned) for p in _config().secret_names)


def is_literal(value: str) -> bool:
    """Whether a value is a literal (not a ``${VAR}`` reference or a ``<placeholder>``)."""
    stripped = value.strip()
    return bool(stripped) and not any(p.fullmatch(stripped) for p in _config().not_literal)


@dataclass(frozen=True, slots=True)
class FoundSecret:
    """A secret in a server definition.  ``value`` is the clear match: hash it, never store it."""

    detection: Detection
    value: str
    variable: str | None
    """The environment variable / header / ``-e NAME=`` that holds it, if any."""

    def with_variable(self) -> Detection:
        """The detection, its ``variable`` attribute set to where the server definition keeps it."""
        return replace(self.detection, attributes={**self.detection.attributes, "variable": self.variable})


@dataclass(frozen=True, slots=True)
class ServerDescription:
    """The documented properties of a server (secrets redacted) and the secrets found in it."""

    properties: dict[str, Any]
    secrets: list[FoundSecret]


@dataclass(slots=True)
class _Secrets:
    """Secrets of one server while it is described: detections and literal keys."""

    found: list[FoundSecret] = field(default_factory=list)
    literal_env: set[str] = field(default_factory=set)
    literal_headers: set[str] = field(default_factory=set)

    def scrub(self, text: str, variable: str | None) -> str:
        """``text`` with every detected secret replaced by its redacted form (recorded)."""
        detections = detect_secrets(text)
        for d in detections:
            self.found.append(FoundSecret(d, text[d.start : d.end], variable))
        return redact_detections(text, detections)


def describe_server(spec: Mapping[str, Any]) -> ServerDescription:
    """Describe one server definition (``{command, args, env, headers, url, type …}`` in any
    client dialect): its documented properties, secrets redacted, and the secrets found."""
    secrets = _Secrets()
    return ServerDescription(_describe(spec, secrets), secrets.found)


def _describe(spec: Mapping[str, Any], secrets: _Secrets) -> dict[str, Any]:
    """The documented MCP-server properties of one server definition (secrets redacted)."""
    spec = _flatten(spec)
    command = spec.get("command") if isinstance(spec.get("command"), str) else None
    raw_args = spec.get("args")
    args = (
        [str(a) for a in raw_args if isinstance(a, str | int | float)] if isinstance(raw_args, list) else []
    )
    if command and not args and any(c.isspace() for c in command.strip()):
        with contextlib.suppress(ValueError):  # unbalanced quotes: keep the command as it is
            command, *args = shlex.split(command)
    launcher = launcher_of(command)
    ref = parse_launch(launcher, args)
    raw_env, raw_headers = spec.get("env"), spec.get("headers")
    env: dict[str, Any] = {str(k): v for k, v in raw_env.items()} if isinstance(raw_env, dict) else {}
    headers: dict[str, Any] = (
        {str(k): v for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
    )
    url = next((spec[k] for k in _URL_KEYS if isinstance(spec.get(k), str)), None)
    env_keys = set(env)
    for key, value in env.items():
        if isinstance(value, str):
            secrets.scrub(value, key)
            if is_secret_name(key) and is_literal(value):
                secrets.literal_env.add(key)
    for key, value in headers.items():
        if isinstance(value, str):
            secrets.scrub(value, key)
            if is_secret_name(key) and is_literal(value.removeprefix("Bearer ").removeprefix("token ")):
                secrets.literal_headers.add(key)
    clean_args = _scrub_args(args, secrets, env_keys)
    props: dict[str, Any] = {
        "command": secrets.scrub(command, None) if command else None,
        "args": clean_args,
        "url": _scrub_url(url, secrets) if url else None,
        "transport": _transport(command, url, spec),
        "launcher": launcher,
        "package": ref.package,
        "package_version": ref.version,
        "pinned": ref.pinned,
        "env_keys": sorted(env_keys),
        "secrets": list(dict.fromkeys(s.detection.redacted or redact(s.value) for s in secrets.found)),
        "env_literal_keys": sorted(secrets.literal_env),
    }
    if ref.digest:
        props["image_digest"] = ref.digest
    if secrets.literal_headers:
        props["header_literal_keys"] = sorted(secrets.literal_headers)
    inputs = sorted(
        {
            m
            for v in [*env.values(), *headers.values(), *args]
            if isinstance(v, str)
            for m in _INPUT_REF.findall(v)
        }
    )
    if inputs:
        props["inputs"] = inputs
    if spec.get("trust") is True or spec.get("autoApprove") or spec.get("alwaysAllow"):
        props["auto_approve"] = True
    if spec.get("disabled") is True:
        props["disabled"] = True
    return props


def _flatten(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Client dialects to one shape: Continue's ``transport`` object, Zed's ``command`` object."""
    flat = dict(spec)
    transport = flat.get("transport")
    if isinstance(transport, dict):
        flat.pop("transport")
        flat = {**transport, **{k: v for k, v in flat.items() if v is not None}}
        flat.setdefault("type", transport.get("type"))
    command = flat.get("command")
    if isinstance(command, dict):
        flat["command"] = command.get("path")
        flat.setdefault("args", command.get("args"))
        flat.setdefault("env", command.get("env"))
    return flat


def _scrub_args(args: list[str], secrets: _Secrets, env_keys: set[str]) -> list[str]:
    """Args with secrets redacted: detector matches, values of credential-named options
    (``--api-key X``, ``--token=X``) and of ``-e NAME=value`` (docker)."""
    clean: list[str] = []
    previous = ""
    for arg in args:
        name, has_value, value = arg.partition("=")
        if previous in ("-e", "--env") and not arg.startswith("-"):
            env_keys.add(name)
            if has_value and is_secret_name(name) and is_literal(value):
                secrets.literal_env.add(name)
            variable: str | None = name if has_value else None
            arg = f"{name}={secrets.scrub(value, name)}" if has_value else arg
        else:
            variable = None
            arg = secrets.scrub(arg, variable)
        if previous.startswith("-") and is_secret_name(previous) and is_literal(arg) and "…" not in arg:
            arg = redact(arg)
        elif (
            arg.startswith("-")
            and has_value
            and is_secret_name(name)
            and is_literal(value)
            and "…" not in arg
        ):
            arg = f"{name}={redact(value)}"
        if "://" in arg:
            arg = _redact_url_password(arg)
        clean.append(arg)
        previous = arg if arg.startswith("-") else ""
    return clean


def _scrub_url(url: str, secrets: _Secrets) -> str:
    """The URL with a password and credential-named query values redacted."""
    clean = _redact_url_password(secrets.scrub(url, None))

    def query_value(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        return f"{key}={redact(value)}" if is_secret_name(key) and "…" not in value else match.group(0)

    return re.sub(r"(?<=[?&])([^=&#]+)=([^&#]*)", query_value, clean)


def _redact_url_password(text: str) -> str:
    """``scheme://user:password@host`` with the password redacted."""
    try:
        password = urlsplit(text).password
    except ValueError:
        return text
    if password and "…" not in password:
        return text.replace(f":{password}@", f":{redact(password)}@", 1)
    return text


def _transport(command: str | None, url: str | None, spec: Mapping[str, Any]) -> str | None:
    if command:
        return "stdio"
    if not url:
        return None
    kind = str(spec.get("type") or "").lower().replace("_", "-")
    if kind == "sse":
        return "sse"
    if kind in ("http", "streamable-http", "streamablehttp"):
        return "http"
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return "sse" if path.rstrip("/").endswith("/sse") else "http"
