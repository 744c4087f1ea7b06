"""The gateway configuration (``guard.yaml``): upstreams, routes, policy, limits, telemetry.

Provider keys live only here, usually as environment references (``api_key: ${OPENAI_API_KEY}``),
expanded when the file is loaded.  :class:`ConfigWatcher` reloads the file when it changes.
"""

from __future__ import annotations

import os
import re
import time
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Action = Literal["block", "redact", "flag", "off"]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class GuardConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid (the message says where)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DetectorRule(_Model):
    """What to do when a detector fires with a score at or above ``threshold``."""

    action: Action = "flag"
    threshold: float = 0.5


class StreamPolicy(_Model):
    """How output detectors scan a stream: every ``every`` new characters, over the last ``window``."""

    window: int = 4000
    every: int = 256


class Policy(_Model):
    """Rules applied to a request; route and key policies override fields of the default one."""

    providers: list[str] | None = None
    """Allowed upstream types (``openai``, ``azure``, ``anthropic``, ``bedrock``); None: any."""
    models: list[str] | None = None
    """Allowed model names, ``fnmatch`` globs; None: any."""
    max_request_bytes: int = 1_000_000
    max_tokens: int | None = None
    """Largest ``max_tokens`` / ``max_output_tokens`` a request may ask for."""
    input: dict[str, DetectorRule] = Field(default_factory=dict)
    """Detector name -> rule, for prompts (before forwarding)."""
    output: dict[str, DetectorRule] = Field(default_factory=dict)
    """Detector name -> rule, for responses (``redact`` on output acts as ``block`` when streaming)."""
    stream: StreamPolicy = Field(default_factory=StreamPolicy)
    rpm: int | None = None
    tpm: int | None = None
    fail_mode: Literal["open", "closed"] = "closed"
    """When a detector raises: ``open`` forwards anyway (and flags), ``closed`` refuses."""

    def merged(self, override: dict[str, Any] | None) -> Policy:
        """This policy with the fields set in ``override``; detector maps merge per detector."""
        if not override:
            return self
        data = self.model_dump()
        for name, value in override.items():
            if name in ("input", "output") and isinstance(value, dict):
                data[name] = {**data[name], **value}
            else:
                data[name] = value
        return Policy.model_validate(data)

    def allows_model(self, model: str) -> bool:
        return self.models is None or any(fnmatchcase(model, glob) for glob in self.models)

    def allows_provider(self, provider: str) -> bool:
        return self.providers is None or provider in self.providers


class Upstream(_Model):
    """A provider the gateway forwards to."""

    type: Literal["openai", "azure", "anthropic", "bedrock"] = "openai"
    url: str
    """Base URL: ``https://api.openai.com/v1``, ``http://vllm:8000/v1``, ``https://api.anthropic.com``,
    ``https://NAME.openai.azure.com``, ``https://bedrock-runtime.us-east-1.amazonaws.com``."""
    api_key: str | None = None
    api_version: str | None = None
    """Azure OpenAI ``api-version``."""
    deployments: dict[str, str] = Field(default_factory=dict)
    """Azure OpenAI: model name -> deployment name; Bedrock: model name -> model id or inference
    profile (default: the model name)."""
    region: str | None = None
    """Bedrock: the AWS region (default: from a ``bedrock-runtime.<region>`` URL, else the AWS config)."""
    aws_profile: str | None = None
    """Bedrock: the AWS profile whose credentials sign requests (default chain when unset)."""
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    """Bedrock: explicit credentials (usually ``${...}`` references); else the default AWS chain."""
    timeout: float = 120.0
    max_connections: int = 200


class Route(_Model):
    """Which upstream serves which requests, and the route's policy overrides."""

    name: str
    api: Literal["openai", "anthropic"] = "openai"
    """The API clients speak on this route."""
    upstream: str
    models: list[str] | None = None
    """Models this route serves (globs); None: any."""
    policy: dict[str, Any] = Field(default_factory=dict)

    def serves(self, api: str, model: str) -> bool:
        return self.api == api and (self.models is None or any(fnmatchcase(model, g) for g in self.models))


class RateLimitConfig(_Model):
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str | None = None
    prefix: str = "aispm:guard"


class RiskConfig(_Model):
    """Risk-based throttling: a key that trips detectors ``slow_after`` times within ``window_seconds``
    is delayed ``slow_ms`` per request; at ``block_after`` trips it is refused for ``cooldown_seconds``."""

    enabled: bool = True
    window_seconds: int = 300
    slow_after: int = 3
    slow_ms: int = 250
    block_after: int = 6
    cooldown_seconds: int = 300


class WebhookConfig(_Model):
    url: str
    batch_size: int = 50
    flush_seconds: float = 2.0
    max_queue: int = 10_000
    headers: dict[str, str] = Field(default_factory=dict)


class SyslogConfig(_Model):
    host: str = "127.0.0.1"
    port: int = 514
    protocol: Literal["udp", "tcp"] = "udp"


class TelemetryConfig(_Model):
    store: bool = True
    """Write one event per request to the store (``db``)."""
    ocsf_file: str | None = None
    """Append OCSF JSON lines to this file."""
    webhook: WebhookConfig | None = None
    syslog: SyslogConfig | None = None
    metrics: bool = True
    otel: bool = True
    """Emit OpenTelemetry GenAI spans when the OpenTelemetry SDK is importable."""


class GuardConfig(_Model):
    """The whole ``guard.yaml``."""

    db: str | None = None
    """Store for keys and events (SQLite path or URL); ``--db`` / ``AISPM_DATABASE_URL`` override."""
    upstreams: dict[str, Upstream]
    routes: list[Route]
    policy: Policy = Field(default_factory=Policy)
    keys: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Key name -> policy overrides."""
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    log_content: bool = False
    """Keep prompts in clear in events (else only their sha256)."""
    upstream_fail_mode: Literal["open", "closed"] = "closed"
    """When the upstream fails: ``closed`` answers 502; ``open`` tries the next route serving the model."""
    key_cache_seconds: float = 5.0
    """How long a verified key is trusted before the store is asked again (revocation delay)."""
    canary_tokens: list[str] = Field(default_factory=list)

    def route_for(self, api: str, model: str) -> Route | None:
        return next((r for r in self.routes if r.serves(api, model)), None)

    def routes_for(self, api: str, model: str) -> list[Route]:
        return [r for r in self.routes if r.serves(api, model)]

    def policy_for(self, route: Route | None, key_name: str | None) -> Policy:
        """The default policy, then the route's overrides, then the key's."""
        policy = self.policy.merged(route.policy if route else None)
        return policy.merged(self.keys.get(key_name or "", None))


def expand_env(value: Any) -> Any:
    """``${NAME}`` and ``${NAME:-default}`` in every string of ``value`` replaced from the environment."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            found = os.environ.get(name)
            if found is None:
                if default is None:
                    raise GuardConfigError(
                        f"environment variable {name} is not set (referenced as ${{{name}}})"
                    )
                return default
            return found

        return _ENV_REF.sub(sub, value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value


def load_config(path: str | Path) -> GuardConfig:
    """Read, expand and validate ``path``; raises :class:`GuardConfigError`."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GuardConfigError(f"cannot read the guard config {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise GuardConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise GuardConfigError(f"{path} must hold a mapping (upstreams, routes, policy ...)")
    try:
        config = GuardConfig.model_validate(expand_env(raw))
    except ValidationError as exc:
        raise GuardConfigError(f"invalid guard config {path}: {exc}") from None
    for route in config.routes:
        if route.upstream not in config.upstreams:
            raise GuardConfigError(f"{path}: route {route.name!r} names unknown upstream {route.upstream!r}")
    if config.rate_limit.backend == "redis" and not config.rate_limit.redis_url:
        raise GuardConfigError(f"{path}: rate_limit.backend redis needs rate_limit.redis_url")
    return config


class ConfigWatcher:
    """The current config of a file, reloaded when its mtime changes (checked at most once a second).

    A reload that fails keeps the previous config and records the error in :attr:`last_error`.
    """

    def __init__(self, path: str | Path, *, interval: float = 1.0) -> None:
        self.path = Path(path)
        self.interval = interval
        self._mtime = self._stat()
        self._config = load_config(self.path)
        self._checked = time.monotonic()
        self.generation = 0
        """Incremented on every successful reload (components rebuild when it changes)."""
        self.last_error: str | None = None

    def _stat(self) -> float:
        try:
            return self.path.stat().st_mtime_ns / 1e9
        except OSError:
            return -1.0

    def current(self) -> GuardConfig:
        now = time.monotonic()
        if now - self._checked >= self.interval:
            self._checked = now
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                try:
                    self._config = load_config(self.path)
                    self.generation += 1
                    self.last_error = None
                except GuardConfigError as exc:
                    self.last_error = str(exc)
        return self._config
