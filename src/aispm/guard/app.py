"""The ASGI application of the gateway (Starlette)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aispm.detect.base import Detector
from aispm.guard.gateway import Gateway
from aispm.guard.telemetry import metrics
from aispm.guard.wire import ANTHROPIC, OPENAI

CONFIG_ENV = "AISPM_GUARD_CONFIG"
DB_ENV = "AISPM_GUARD_DB"

OPENAI_POSTS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses")


def create_app(
    config_path: str,
    *,
    db: str | None = None,
    detectors: Sequence[Detector] | None = None,
    tracer_provider: Any | None = None,
) -> Starlette:
    """The gateway app for ``config_path`` (keys and events in ``db`` or the config's ``db``);
    GenAI spans go to ``tracer_provider`` (default: OpenTelemetry's global provider)."""
    gateway = Gateway(config_path, db=db, detectors=detectors, tracer_provider=tracer_provider)

    async def openai_post(request: Request) -> Response:
        return await gateway.handle(request, OPENAI)

    async def anthropic_post(request: Request) -> Response:
        return await gateway.handle(request, ANTHROPIC)

    async def models(request: Request) -> Response:
        return await gateway.models(request, OPENAI)

    async def metrics_endpoint(request: Request) -> Response:
        body, media = metrics.render()
        return Response(body, media_type=media)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "config_error": gateway.watcher.last_error})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.aclose()

    routes = [Route(path, openai_post, methods=["POST"]) for path in OPENAI_POSTS]
    routes += [
        Route("/v1/messages", anthropic_post, methods=["POST"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.gateway = gateway
    return app


def app_from_env() -> Starlette:
    """Factory for uvicorn workers: the config path and database come from the environment."""
    return create_app(os.environ[CONFIG_ENV], db=os.environ.get(DB_ENV) or None)
