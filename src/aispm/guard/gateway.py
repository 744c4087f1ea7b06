"""The gateway's request handling: authenticate, apply the policy, inspect, forward, record.

One :class:`Gateway` per process holds the config watcher, the key cache, the detectors, the
upstream connection pools, the limit counters and the exporters.  Components that depend on
the config are rebuilt when the config file changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from fnmatch import fnmatchcase
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from aispm.detect.base import Detector
from aispm.guard import bedrock, upstreams
from aispm.guard.auth import KeyAuth
from aispm.guard.config import ConfigWatcher, GuardConfig, Policy, RateLimitConfig, Route, Upstream
from aispm.guard.context import RequestContext
from aispm.guard.counters import Counters, MemoryCounters, RedisCounters
from aispm.guard.inspect import Inspector, StreamInspector, Verdict, default_detectors
from aispm.guard.limits import Limits, Refusal
from aispm.guard.sse import SSEParser
from aispm.guard.store import GuardStore
from aispm.guard.telemetry import metrics, otel
from aispm.guard.telemetry.exporters import Exporters
from aispm.guard.wire import Wire, request_params, response_meta

log = logging.getLogger("aispm.guard")
_INLINE_CHARS = 32_000
"""Texts longer than this are inspected in a worker thread so the event loop keeps serving."""


class Gateway:
    """The state of one gateway process."""

    def __init__(
        self,
        config_path: str,
        *,
        db: str | None = None,
        detectors: Sequence[Detector] | None = None,
        tracer_provider: Any | None = None,
    ) -> None:
        """``tracer_provider``: the OpenTelemetry ``TracerProvider`` for the GenAI spans (default:
        the global one, as set by the application or ``opentelemetry-instrument``)."""
        self.watcher = ConfigWatcher(config_path)
        config = self.watcher.current()
        self.store = GuardStore(db or config.db)
        self.auth = KeyAuth(self.store, config.key_cache_seconds)
        self.inspector = Inspector(detectors if detectors is not None else default_detectors())
        self._clients: dict[tuple[str, str, float, int], httpx.AsyncClient] = {}
        self._counters: dict[tuple[str, str | None, str], Counters] = {}
        self._signers: dict[str, bedrock.Signer] = {}
        self._telemetry = config.telemetry
        self.exporters = Exporters(config.telemetry, self.store)
        self.spans = otel.SpanRecorder(tracer_provider)
        self._generation = -1

    # -- components ------------------------------------------------------------------------

    def config(self) -> GuardConfig:
        config = self.watcher.current()
        if self.watcher.generation != self._generation:
            self._generation = self.watcher.generation
            self.auth.ttl = config.key_cache_seconds
            if config.telemetry != self._telemetry:
                old, self._telemetry = self.exporters, config.telemetry
                self.exporters = Exporters(config.telemetry, self.store)
                old.close()
        return config

    def client(self, upstream: Upstream) -> httpx.AsyncClient:
        ident = (upstream.type, upstream.url, upstream.timeout, upstream.max_connections)
        client = self._clients.get(ident)
        if client is None:
            limits = httpx.Limits(
                max_connections=upstream.max_connections, max_keepalive_connections=upstream.max_connections
            )
            timeout = httpx.Timeout(upstream.timeout, connect=min(upstream.timeout, 10.0))
            client = self._clients[ident] = httpx.AsyncClient(limits=limits, timeout=timeout)
        return client

    def signer(self, upstream: Upstream) -> bedrock.Signer:
        """The SigV4 signer of a Bedrock upstream (kept: it caches the botocore session)."""
        ident = upstream.model_dump_json()
        signer = self._signers.get(ident)
        if signer is None:
            signer = self._signers[ident] = bedrock.Signer(upstream)
        return signer

    def limits(self, config: RateLimitConfig) -> Limits:
        ident = (config.backend, config.redis_url, config.prefix)
        counters = self._counters.get(ident)
        if counters is None:
            if config.backend == "redis" and config.redis_url:
                counters = RedisCounters(config.redis_url, config.prefix)
            else:
                counters = MemoryCounters()
            self._counters[ident] = counters
        return Limits(counters)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        for counters in self._counters.values():
            await counters.close()
        await asyncio.to_thread(self.exporters.close)
        self.store.close()

    # -- the request -----------------------------------------------------------------------

    async def handle(self, request: Request, wire: Wire) -> Response:
        """Serve one POST of the OpenAI or Anthropic API."""
        ctx = RequestContext(wire.name, request.url.path, request.client.host if request.client else None)
        try:
            response = await self._handle(request, wire, ctx)
        except Exception as exc:  # last resort: a provider-shaped 500, never a stack trace
            log.exception("guard request failed")
            ctx.deny(500, "error", f"gateway error ({type(exc).__name__})", "gateway_error")
            response = self._error(wire, 500, ctx.reason or "gateway error", "gateway_error")
        if not isinstance(response, StreamingResponse):
            self._finish(ctx)
        response.headers["x-aispm-request-id"] = ctx.request_id
        return response

    async def _handle(self, request: Request, wire: Wire, ctx: RequestContext) -> Response:
        config = self.config()
        auth = await self.auth.authenticate(request.headers)
        if auth.key is None:
            ctx.deny(401, "denied", auth.problem or "invalid API key", "invalid_api_key")
            return self._error(wire, 401, ctx.reason or "", "invalid_api_key")
        key = auth.key
        ctx.key_name = key.name
        base_policy = config.policy_for(None, key.name)
        raw = await request.body()
        if len(raw) > base_policy.max_request_bytes:
            ctx.deny(
                413,
                "denied",
                f"request of {len(raw)} bytes over {base_policy.max_request_bytes}",
                "request_too_large",
            )
            return self._error(wire, 413, ctx.reason or "", "request_too_large")
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            ctx.deny(400, "denied", "request body is not a JSON object", "invalid_json")
            return self._error(wire, 400, ctx.reason or "", "invalid_json")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            ctx.deny(400, "denied", "request names no model", "model_required")
            return self._error(wire, 400, ctx.reason or "", "model_required")
        ctx.model = model
        ctx.stream = body.get("stream") is True
        ctx.request_params = request_params(body, wire.max_tokens(body))
        routes = config.routes_for(wire.name, model)
        if not routes:
            ctx.deny(
                404, "denied", f"no route serves model {model!r} on the {wire.name} API", "model_not_found"
            )
            return self._error(wire, 404, ctx.reason or "", "model_not_found")
        route = routes[0]
        upstream = config.upstreams[route.upstream]
        ctx.route, ctx.provider, ctx.upstream_url = route.name, upstream.type, upstream.url
        policy = config.policy_for(route, key.name)
        refused = self._policy_refusal(policy, key.models, upstream, model, wire.max_tokens(body))
        if refused is not None:
            status, code, message = refused
            ctx.deny(status, "denied", message, code)
            return self._error(wire, status, message, code)
        limits = self.limits(config.rate_limit)
        refusal = await self._admit(limits, config, policy, key.name, key.rpm, key.tpm)
        if refusal is not None:
            ctx.deny(
                429 if refusal.code != "limiter_unavailable" else 503, "denied", refusal.reason, refusal.code
            )
            response = self._error(wire, ctx.status, refusal.reason, refusal.code)
            response.headers["retry-after"] = str(refusal.retry_after)
            return response
        slots = wire.request_slots(ctx.path, body)
        texts = [container[k] for container, k, _ in slots]
        verdict = await self._inspect([(role, c[k]) for c, k, role in slots], policy, "input")
        ctx.hits.extend(verdict.hits)
        if verdict.redactions:
            for index, text in verdict.redactions.items():
                container, k, _ = slots[index]
                container[k] = text
                texts[index] = text
            raw = json.dumps(body, ensure_ascii=False).encode()
        ctx.set_content(texts, config.log_content)
        if any(h.action in ("block", "redact") for h in verdict.hits):
            await self._trip(limits, config, key.name)
        if verdict.action == "block":
            ctx.deny(400, "block", verdict.reason or "blocked", "content_blocked")
            return self._error(
                wire, 400, f"request blocked by the AI gateway policy ({ctx.reason})", "content_blocked"
            )
        ctx.verdict = verdict.action
        return await self._forward(request, wire, ctx, config, routes, raw, policy, limits)

    @staticmethod
    def _policy_refusal(
        policy: Policy, key_models: Sequence[str], upstream: Upstream, model: str, max_tokens: int | None
    ) -> tuple[int, str, str] | None:
        if not policy.allows_provider(upstream.type):
            return 403, "provider_not_allowed", f"provider {upstream.type!r} is not allowed by the policy"
        if not policy.allows_model(model) or (
            key_models and not any(fnmatchcase(model, g) for g in key_models)
        ):
            return 403, "model_not_allowed", f"model {model!r} is not allowed for this key"
        if policy.max_tokens is not None and max_tokens is not None and max_tokens > policy.max_tokens:
            return (
                400,
                "max_tokens_exceeded",
                f"max tokens {max_tokens} over the policy's {policy.max_tokens}",
            )
        return None

    async def _admit(
        self, limits: Limits, config: GuardConfig, policy: Policy, key: str, rpm: int | None, tpm: int | None
    ) -> Refusal | None:
        try:
            refusal = await limits.risk_gate(key, config.risk)
            if refusal is None:
                refusal = await limits.admit(key, rpm if rpm is not None else policy.rpm, tpm or policy.tpm)
        except Exception as exc:  # Redis down: the policy's fail mode decides
            log.warning("rate limiter failed: %s", type(exc).__name__)
            if policy.fail_mode == "open":
                return None
            return Refusal("the rate limiter is unavailable", "limiter_unavailable", 5)
        return refusal

    async def _trip(self, limits: Limits, config: GuardConfig, key: str) -> None:
        try:
            await limits.trip(key, config.risk)
        except Exception as exc:
            log.warning("risk counter failed: %s", type(exc).__name__)

    async def _inspect(self, texts: list[tuple[str, str]], policy: Policy, stage: str) -> Verdict:
        rules = policy.input if stage == "input" else policy.output
        if sum(len(t) for _, t in texts) > _INLINE_CHARS:
            return await asyncio.to_thread(
                self.inspector.inspect, texts, rules, stage=stage, fail_mode=policy.fail_mode
            )
        return self.inspector.inspect(texts, rules, stage=stage, fail_mode=policy.fail_mode)

    # -- forwarding --------------------------------------------------------------------------

    async def _forward(
        self,
        request: Request,
        wire: Wire,
        ctx: RequestContext,
        config: GuardConfig,
        routes: list[Route],
        raw: bytes,
        policy: Policy,
        limits: Limits,
    ) -> Response:
        candidates = routes if config.upstream_fail_mode == "open" else routes[:1]
        headers = {k.lower(): v for k, v in request.headers.items()}
        last_error = "upstream unavailable"
        for route in candidates:
            upstream = config.upstreams[route.upstream]
            ctx.route, ctx.provider, ctx.upstream_url = route.name, upstream.type, upstream.url
            if upstream.type == "bedrock":
                outcome = await self._bedrock(
                    wire, ctx, upstream, raw, policy, limits, last=route is candidates[-1]
                )
                if isinstance(outcome, str):
                    last_error = outcome
                    continue
                return outcome
            try:
                target = upstreams.target(upstream, ctx.path, ctx.model, headers)
            except upstreams.UnsupportedUpstream as exc:
                ctx.deny(501, "error", str(exc), "upstream_unsupported")
                return self._error(wire, 501, str(exc), "upstream_unsupported")
            client = self.client(upstream)
            sent = time.perf_counter()
            try:
                upstream_request = client.build_request(
                    "POST", target.url, content=raw, headers=target.headers
                )
                reply = await client.send(upstream_request, stream=ctx.stream)
            except httpx.HTTPError as exc:
                ctx.upstream_seconds += time.perf_counter() - sent
                last_error = f"upstream {route.upstream} failed ({type(exc).__name__})"
                continue
            if reply.status_code >= 500 and route is not candidates[-1]:
                await reply.aclose()
                ctx.upstream_seconds += time.perf_counter() - sent
                last_error = f"upstream {route.upstream} answered {reply.status_code}"
                continue
            if ctx.stream:
                if reply.status_code != 200:
                    await reply.aread()
                    await reply.aclose()
                    ctx.upstream_seconds += time.perf_counter() - sent
                    return self._passthrough(ctx, reply)
                return self._stream(wire, ctx, reply, policy, limits, sent)
            await reply.aread()
            ctx.upstream_seconds += time.perf_counter() - sent
            if reply.status_code != 200:
                return self._passthrough(ctx, reply)
            return await self._finish_json(wire, ctx, reply, policy, limits)
        ctx.deny(502, "error", last_error, "upstream_error")
        return self._error(wire, 502, last_error, "upstream_error")

    async def _bedrock(
        self,
        wire: Wire,
        ctx: RequestContext,
        upstream: Upstream,
        raw: bytes,
        policy: Policy,
        limits: Limits,
        *,
        last: bool,
    ) -> Response | str:
        """Forward to Bedrock Converse / ConverseStream, translated both ways; a string is the reason
        to try the next route (unreachable, or a 5xx when another route remains)."""
        body = json.loads(raw)
        try:
            payload = json.dumps(bedrock.converse_request(wire.name, ctx.path, body), ensure_ascii=False)
            url = bedrock.converse_url(upstream, ctx.model or "", ctx.stream)
            accept = bedrock.EVENT_STREAM if ctx.stream else "application/json"
            headers = {"content-type": "application/json", "accept": accept}
            headers = self.signer(upstream).sign(url, payload.encode(), headers)
        except bedrock.TranslationError as exc:
            ctx.deny(501, "error", str(exc), "upstream_unsupported")
            return self._error(wire, 501, str(exc), "upstream_unsupported")
        headers["accept-encoding"] = "identity"
        client = self.client(upstream)
        sent = time.perf_counter()
        try:
            built = client.build_request("POST", url, content=payload.encode(), headers=headers)
            reply = await client.send(built, stream=ctx.stream)
        except httpx.HTTPError as exc:
            ctx.upstream_seconds += time.perf_counter() - sent
            return f"upstream {ctx.route} failed ({type(exc).__name__})"
        if reply.status_code != 200:
            await reply.aread()
            await reply.aclose()
            ctx.upstream_seconds += time.perf_counter() - sent
            message = bedrock.error_message(reply.status_code, reply.content)
            if reply.status_code >= 500 and not last:
                return message
            ctx.deny(reply.status_code, "error", message, "upstream_error")
            return self._error(wire, reply.status_code, message, "upstream_error")
        if ctx.stream:
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            translator = bedrock.StreamTranslator(wire.name, ctx.model or "", include_usage)
            events = bedrock.translate_stream(reply.aiter_raw(), translator)
            return self._stream(wire, ctx, reply, policy, limits, sent, events)
        await reply.aread()
        ctx.upstream_seconds += time.perf_counter() - sent
        try:
            answer = reply.json()
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except ValueError:
            ctx.deny(502, "error", "Bedrock answered with invalid JSON", "upstream_error")
            return self._error(wire, 502, ctx.reason or "", "upstream_error")
        translated = bedrock.client_response(wire.name, ctx.model or "", answer)
        return await self._finish_json(wire, ctx, httpx.Response(200, json=translated), policy, limits)

    def _passthrough(self, ctx: RequestContext, reply: httpx.Response) -> Response:
        """An upstream error answered as the upstream gave it (the same provider family)."""
        ctx.deny(reply.status_code, "error", f"upstream status {reply.status_code}")
        media = reply.headers.get("content-type", "application/json")
        return Response(reply.content, status_code=reply.status_code, media_type=media)

    async def _finish_json(
        self, wire: Wire, ctx: RequestContext, reply: httpx.Response, policy: Policy, limits: Limits
    ) -> Response:
        try:
            body = reply.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return Response(reply.content, status_code=reply.status_code, media_type="application/json")
        ctx.add_usage(wire.usage(body))
        ctx.add_response_meta(response_meta(body))
        await self._spend(limits, ctx, policy)
        slots = wire.response_slots(ctx.path, body)
        if not slots:
            return Response(reply.content, media_type="application/json")
        verdict = await self._inspect([(role, c[k]) for c, k, role in slots], policy, "output")
        ctx.hits.extend(verdict.hits)
        if verdict.action == "block":
            ctx.deny(400, "block", verdict.reason or "output blocked", "output_blocked")
            return self._error(
                wire, 400, f"response blocked by the AI gateway policy ({ctx.reason})", "output_blocked"
            )
        if verdict.redactions:
            for index, text in verdict.redactions.items():
                container, k, _ = slots[index]
                container[k] = text
            ctx.verdict = "redact"
            return JSONResponse(body)
        if verdict.action == "flag" and ctx.verdict == "allow":
            ctx.verdict = "flag"
        return Response(reply.content, media_type="application/json")

    async def _spend(self, limits: Limits, ctx: RequestContext, policy: Policy) -> None:
        tokens = (ctx.tokens_in or 0) + (ctx.tokens_out or 0)
        if ctx.key_name and tokens:
            try:
                await limits.spend(ctx.key_name, tokens)
            except Exception as exc:
                log.warning("token counter failed: %s", type(exc).__name__)

    def _stream(
        self,
        wire: Wire,
        ctx: RequestContext,
        reply: httpx.Response,
        policy: Policy,
        limits: Limits,
        sent: float,
        chunks: AsyncIterator[bytes] | None = None,
    ) -> StreamingResponse:
        """Relay the upstream's SSE (``chunks``: translated events instead of the raw body)."""
        guard = StreamInspector(
            self.inspector,
            policy.output,
            window=policy.stream.window,
            every=policy.stream.every,
            fail_mode=policy.fail_mode,
        )

        async def relay() -> AsyncIterator[bytes]:
            parser = SSEParser()
            pending: list[bytes] = []
            cut = False
            try:
                async for chunk in chunks if chunks is not None else reply.aiter_raw():
                    for event in parser.feed(chunk):
                        cut = self._on_event(wire, ctx, guard, event.event, event.json(), pending, event.raw)
                        if cut:
                            break
                        if guard.unscanned() == 0 and pending:
                            yield b"".join(pending)
                            pending.clear()
                    if cut:
                        break
                if not cut:
                    for event in parser.rest():
                        pending.append(event.raw)
                    cut = guard.finish()
                if cut:
                    ctx.hits.extend(guard.verdict.hits)
                    ctx.verdict, ctx.reason = "block", guard.verdict.reason or "output blocked"
                    ctx.error_type = "output_blocked"
                    ctx.finish_reasons = ctx.finish_reasons or ["error"]
                    yield wire.stream_error(
                        f"response blocked by the AI gateway policy ({ctx.reason})", "output_blocked"
                    )
                else:
                    ctx.hits.extend(guard.verdict.hits)
                    if guard.verdict.action == "flag" and ctx.verdict == "allow":
                        ctx.verdict = "flag"
                    if pending:
                        yield b"".join(pending)
            except (httpx.HTTPError, bedrock.BedrockStreamError, ValueError) as exc:
                ctx.verdict, ctx.reason = "error", f"upstream stream failed ({type(exc).__name__})"
                ctx.error_type = "upstream_error"
                ctx.finish_reasons = ctx.finish_reasons or ["error"]
                yield wire.stream_error("the upstream stream failed", "upstream_error")
            finally:
                await reply.aclose()
                ctx.upstream_seconds += time.perf_counter() - sent
                await self._spend(limits, ctx, policy)
                if cut:
                    await self._trip(limits, self.config(), ctx.key_name or "")
                self._finish(ctx)

        return StreamingResponse(
            relay(),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-aispm-request-id": ctx.request_id},
        )

    @staticmethod
    def _on_event(
        wire: Wire,
        ctx: RequestContext,
        guard: StreamInspector,
        name: str | None,
        data: dict[str, Any] | None,
        pending: list[bytes],
        raw: bytes,
    ) -> bool:
        """Take one upstream event: count usage, feed its text to the guard; True to cut the stream."""
        pending.append(raw)
        if ctx.first_chunk_ns is None:
            ctx.first_chunk_ns = time.time_ns()
        if data is None:
            return False
        ctx.add_usage(wire.stream_usage(name, data))
        ctx.add_response_meta(response_meta(data))
        return guard.feed(wire.stream_delta(name, data))

    # -- models ------------------------------------------------------------------------------

    async def models(self, request: Request, wire: Wire) -> Response:
        """``GET /v1/models``: the first OpenAI route's upstream list, filtered by the key's policy."""
        ctx = RequestContext(wire.name, request.url.path, request.client.host if request.client else None)
        config = self.config()
        auth = await self.auth.authenticate(request.headers)
        if auth.key is None:
            ctx.deny(401, "denied", auth.problem or "invalid API key", "invalid_api_key")
            self._finish(ctx)
            return self._error(wire, 401, ctx.reason or "", "invalid_api_key")
        key = auth.key
        ctx.key_name = key.name
        listed: list[dict[str, Any]] = []
        for route in config.routes:
            if route.api != "openai":
                continue
            upstream = config.upstreams[route.upstream]
            try:
                target = upstreams.target(upstream, "/v1/models", None, {})
                reply = await self.client(upstream).get(target.url, headers=target.headers)
                data = reply.json().get("data", []) if reply.status_code == 200 else []
            except (httpx.HTTPError, ValueError, upstreams.UnsupportedUpstream, AttributeError):
                data = []
            for item in data if isinstance(data, list) else []:
                model = item.get("id") if isinstance(item, dict) else None
                if not isinstance(model, str) or not route.serves("openai", model):
                    continue
                policy = config.policy_for(route, key.name)
                allowed = policy.allows_model(model) and policy.allows_provider(upstream.type)
                allowed = allowed and (not key.models or any(fnmatchcase(model, g) for g in key.models))
                if allowed and all(m["id"] != model for m in listed):
                    listed.append(item)
        self._finish(ctx)
        return JSONResponse({"object": "list", "data": listed})

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _error(wire: Wire, status: int, message: str, code: str) -> JSONResponse:
        return JSONResponse(wire.error(status, message, code), status_code=status)

    def _finish(self, ctx: RequestContext) -> None:
        """Record the finished request: metrics, OTel span, exporters."""
        event = ctx.event()
        model = ctx.model or ""
        metrics.REQUESTS.labels(ctx.api, ctx.provider or "", model, ctx.verdict).inc()
        metrics.LATENCY.labels(ctx.api, str(ctx.stream).lower()).observe(event.latency_ms / 1000)
        metrics.OVERHEAD.observe(ctx.overhead())
        for hit in ctx.hits:
            metrics.DETECTIONS.labels(hit.detector, hit.action).inc()
            if hit.action == "block":
                metrics.BLOCKS.labels(hit.stage, hit.detector).inc()
        if ctx.tokens_in:
            metrics.TOKENS.labels("input", model).inc(ctx.tokens_in)
        if ctx.tokens_out:
            metrics.TOKENS.labels("output", model).inc(ctx.tokens_out)
        if self._telemetry.otel:
            self.spans.record(ctx, time.time_ns())
        self.exporters.emit(event)
