"""The model-server catalog (``data/k8s_model_servers.yaml``) and matching helpers."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """One self-hosted model server or AI tool."""

    id: str
    name: str
    images: tuple[str, ...]
    commands: tuple[str, ...]
    ports: tuple[int, ...]
    auth: dict[str, Any] = field(default_factory=dict)
    model_args: tuple[str, ...] = ()
    model_env: tuple[str, ...] = ()
    revision_args: tuple[str, ...] = ()
    revision_env: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    servers: tuple[ServerSpec, ...]
    crds: dict[tuple[str, str], str]
    """(api group, kind) -> server id."""
    gpu_resources: tuple[str, ...]
    ai_key_names: re.Pattern[str]
    hub_model_env: tuple[str, ...]
    hub_revision_env: tuple[str, ...]
    powerful_roles: tuple[str, ...]

    def server(self, server_id: str) -> ServerSpec | None:
        return next((s for s in self.servers if s.id == server_id), None)

    def is_gpu(self, resource: str) -> bool:
        return any(fnmatch.fnmatchcase(resource, g) for g in self.gpu_resources)


@cache
def catalog() -> Catalog:
    raw = load_yaml("k8s_model_servers.yaml")
    servers = tuple(
        ServerSpec(
            id=s["id"],
            name=s["name"],
            images=tuple(s.get("images") or ()),
            commands=tuple(s.get("commands") or ()),
            ports=tuple(s.get("ports") or ()),
            auth=dict(s.get("auth") or {}),
            model_args=tuple(s.get("model_args") or ()),
            model_env=tuple(s.get("model_env") or ()),
            revision_args=tuple(s.get("revision_args") or ()),
            revision_env=tuple(s.get("revision_env") or ()),
        )
        for s in raw["servers"]
    )
    return Catalog(
        servers=servers,
        crds={(c["group"], c["kind"]): c["server"] for c in raw["crds"]},
        gpu_resources=tuple(raw["gpu_resources"]),
        ai_key_names=re.compile(re.sub(r"\s+", "", raw["ai_key_names"])),
        hub_model_env=tuple(raw["hub_model_env"]),
        hub_revision_env=tuple(raw["hub_revision_env"]),
        powerful_roles=tuple(raw["powerful_roles"]),
    )


def image_name(image: str) -> str:
    """The image without tag or digest (``ollama/ollama:0.3`` → ``ollama/ollama``)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def image_registry(image: str) -> str:
    """The registry host of an image reference (``docker.io`` when none is named)."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return "docker.io"


def image_pinned(image: str) -> bool:
    """Pinned by digest or by a tag other than ``latest``."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and not last.endswith(":latest")


def match_server(image: str, command: str) -> ServerSpec | None:
    """The catalog server an image or command line is, if any."""
    name = image_name(image).lower()
    for server in catalog().servers:
        if any(fnmatch.fnmatchcase(name, g.lower()) for g in server.images):
            return server
    for server in catalog().servers:
        if any(c in command for c in server.commands):
            return server
    return None
