"""ECR repositories with their newest images, and the model server a repository holds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from aispm.data import load_yaml
from aispm.discover.aws.resources import collect_service
from aispm.discover.aws.scope import Scope, plain

NEWEST_IMAGES = 20
"""Images kept per repository (the newest by ``imagePushedAt``)."""


@dataclass(frozen=True)
class ModelServer:
    id: str
    name: str
    patterns: tuple[re.Pattern[str], ...]


@cache
def model_servers() -> tuple[ModelServer, ...]:
    """The catalog of ``data/aws_ecr_model_servers.yaml``, in order."""
    raw = load_yaml("aws_ecr_model_servers.yaml")
    return tuple(
        ModelServer(
            id=str(s["id"]),
            name=str(s["name"]),
            patterns=tuple(re.compile(str(p), re.IGNORECASE) for p in s["patterns"]),
        )
        for s in raw["servers"]
    )


def model_server(repository: str, tags: list[str]) -> str | None:
    """The id of the first model server whose patterns match the repository name or a tag."""
    for server in model_servers():
        for text in (repository, *tags):
            if any(p.search(text) for p in server.patterns):
                return server.id
    return None


def collect_ecr(scope: Scope) -> None:
    """Every repository; each carries ``images`` (the newest :data:`NEWEST_IMAGES`) and
    ``model_server`` when the images were read, and neither when ``DescribeImages`` failed."""

    def images(record: Mapping[str, Any]) -> dict[str, Any]:
        name = str(record.get("repositoryName") or "")
        details = scope.paginate_all("describe_images", "imageDetails", page_size=1000, repositoryName=name)
        if details is None:
            return {}
        details.sort(key=lambda d: str(plain(d.get("imagePushedAt")) or ""), reverse=True)
        newest = [
            {
                "tags": [str(t) for t in d.get("imageTags") or []],
                "digest": d.get("imageDigest"),
                "pushed_at": plain(d.get("imagePushedAt")),
                "size": d.get("imageSizeInBytes"),
            }
            for d in details[:NEWEST_IMAGES]
        ]
        tags = [t for image in newest for t in image["tags"]]
        server = model_server(name, tags)
        return {"images": newest, **({"model_server": server} if server else {})}

    scope.facts.setdefault("extras", {})["ecr:repository"] = images
    collect_service(scope)
