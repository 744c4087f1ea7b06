"""Gateway benchmark: added latency (p50/p99) and requests/s of `aispm guard` for 2 KB prompts,
non-streaming and streaming, detectors on — against calling the stub upstream directly and
against LiteLLM's proxy in front of the same stub.  Everything runs on 127.0.0.1.

    python bench/gateway_bench.py                  # all targets
    python bench/gateway_bench.py --skip-litellm   # aispm and direct only
    python bench/gateway_bench.py --requests 400 --concurrency 16

The stub is this file run with ``--serve-stub PORT`` (uvicorn, one worker).  LiteLLM comes from
``bench/.peers-venv/litellm`` (``pip install 'litellm[proxy]'``), created on first use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LITELLM_VENV = ROOT / "bench" / ".peers-venv" / "litellm"
MODEL = "gpt-bench"
PROMPT = ("The quarterly report covers revenue, hiring and the product roadmap for next year. " * 26)[:2048]
REPLY = "Here is a short summary of the report with the key numbers and the next steps. " * 3


# -- the stub upstream -------------------------------------------------------------------------


def stub_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    async def chat(request: Request) -> Response:
        body = await request.json()
        usage = {"prompt_tokens": 512, "completion_tokens": 60, "total_tokens": 572}
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 1,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": REPLY},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}

        async def events() -> Any:
            words = REPLY.split(" ")
            for i in range(0, len(words), 4):
                piece = " ".join(words[i : i + 4]) + " "
                chunk = {
                    **base,
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n".encode()
            end = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}
            yield f"data: {json.dumps(end)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def models(request: Request) -> Response:
        return JSONResponse(
            {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "stub"}]}
        )

    return Starlette(
        routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/v1/models", models)]
    )


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


def litellm_bin() -> Path | None:
    exe = LITELLM_VENV / "bin" / "litellm"
    if exe.exists():
        return exe
    print("creating bench/.peers-venv/litellm (pip install 'litellm[proxy]') ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
    done = subprocess.run([str(LITELLM_VENV / "bin" / "pip"), "install", "-q", "litellm[proxy]"], check=False)
    return exe if done.returncode == 0 and exe.exists() else None


# -- load ----------------------------------------------------------------------------------------


async def run_load(url: str, key: str, stream: bool, requests: int, concurrency: int) -> dict[str, Any]:
    import httpx

    body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": stream}
    headers = {"authorization": f"Bearer {key}"}
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        todo = iter(range(requests))

        async def worker() -> None:
            nonlocal failures
            for _ in todo:
                t0 = time.perf_counter()
                try:
                    if stream:
                        async with client.stream("POST", url, json=body, headers=headers) as reply:
                            async for _chunk in reply.aiter_raw():
                                pass
                            ok = reply.status_code == 200
                    else:
                        reply = await client.post(url, json=body, headers=headers)
                        ok = reply.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    failures += 1

        # warm-up: connections, imports, JIT-less caches
        for _ in range(20):
            await client.post(url, json={**body, "stream": False}, headers=headers)
        start_t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start_t
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(int(q * len(latencies)), len(latencies) - 1)] if latencies else float("nan")

    return {
        "ok": len(latencies),
        "failed": failures,
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(pick(0.50), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
    }


def measure(url: str, key: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for stream in (False, True):
        mode = "stream" if stream else "json"
        result[f"{mode}_latency"] = asyncio.run(run_load(url, key, stream, args.latency_requests, 1))
        result[f"{mode}_throughput"] = asyncio.run(
            run_load(url, key, stream, args.requests, args.concurrency)
        )
    return result


# -- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve-stub", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=1000, help="requests per throughput run")
    parser.add_argument("--latency-requests", type=int, default=300, help="sequential requests for latency")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gateway / LiteLLM worker processes")
    parser.add_argument("--skip-litellm", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "gateway.json")
    args = parser.parse_args()
    if args.serve_stub:
        import uvicorn

        uvicorn.run(stub_app(), host="127.0.0.1", port=args.serve_stub, log_level="warning", access_log=False)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="aispm-gw-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    results: dict[str, Any] = {
        "prompt_chars": len(PROMPT),
        "cpus": os.cpu_count(),
        "args": vars(args) | {"out": str(args.out)},
    }
    try:
        stub_port = free_port()
        procs.append(start([sys.executable, __file__, "--serve-stub", str(stub_port)], tmp / "stub.log"))
        stub = f"http://127.0.0.1:{stub_port}"
        wait_http(f"{stub}/v1/models")

        db = str(tmp / "guard.db")
        config = {
            "upstreams": {"stub": {"type": "openai", "url": f"{stub}/v1", "api_key": "sk-stub"}},
            "routes": [{"name": "all", "api": "openai", "upstream": "stub"}],
            "policy": {
                "input": {
                    "*": {"action": "flag"},
                    "secrets": {"action": "redact"},
                    "injection": {"action": "block"},
                },
                # output: what can leak (injection scoring of the model's own reply is not useful)
                "output": {
                    "secrets": {"action": "block"},
                    "pii": {"action": "flag"},
                    "exfiltration": {"action": "block"},
                    "hidden_unicode": {"action": "flag"},
                },
            },
            "key_cache_seconds": 30,
            "telemetry": {"store": True},
        }
        (tmp / "guard.yaml").write_text(json.dumps(config))
        created = subprocess.run(
            [str(VENV_BIN / "aispm"), "guard", "keys", "create", "--name", "bench", "--db", db],
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[0]
        gw_port = free_port()
        procs.append(
            start(
                [
                    str(VENV_BIN / "aispm"),
                    "guard",
                    "--config",
                    str(tmp / "guard.yaml"),
                    "--db",
                    db,
                    "--port",
                    str(gw_port),
                    "--workers",
                    str(args.workers),
                ],
                tmp / "guard.log",
            )
        )
        gateway = f"http://127.0.0.1:{gw_port}"
        wait_http(f"{gateway}/healthz")

        targets = {
            "direct": (f"{stub}/v1/chat/completions", "none"),
            "aispm": (f"{gateway}/v1/chat/completions", key),
        }
        if not args.skip_litellm:
            exe = litellm_bin()
            if exe is None:
                results["litellm_error"] = "could not install litellm[proxy]"
            else:
                lport = free_port()
                (tmp / "litellm.yaml").write_text(
                    json.dumps(
                        {
                            "model_list": [
                                {
                                    "model_name": MODEL,
                                    "litellm_params": {
                                        "model": f"openai/{MODEL}",
                                        "api_base": f"{stub}/v1",
                                        "api_key": "sk-stub",
                                    },
                                }
                            ],
                            "litellm_settings": {"telemetry": False},
                        }
                    )
                )
                procs.append(
                    start(
                        [
                            str(exe),
                            "--config",
                            str(tmp / "litellm.yaml"),
                            "--host",
                            "127.0.0.1",
                            "--port",
                            str(lport),
                            "--num_workers",
                            str(args.workers),
                        ],
                        tmp / "litellm.log",
                        env={
                            "LITELLM_MASTER_KEY": "sk-bench-master",
                            "LITELLM_TELEMETRY": "False",
                            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                        },
                    )
                )
                wait_http(f"http://127.0.0.1:{lport}/health/liveliness", 180)
                targets["litellm"] = (f"http://127.0.0.1:{lport}/v1/chat/completions", "sk-bench-master")
        for name, (url, token) in targets.items():
            print(f"measuring {name} ...", file=sys.stderr)
            results[name] = measure(url, token, args)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    direct = results["direct"]
    print(f"{'target':10} {'mode':6} {'p50 ms':>8} {'p99 ms':>8} {'+p50':>8} {'+p99':>8} {'req/s':>8}")
    for name in ("direct", "aispm", "litellm"):
        if name not in results:
            continue
        for mode in ("json", "stream"):
            lat, thr = results[name][f"{mode}_latency"], results[name][f"{mode}_throughput"]
            base = direct[f"{mode}_latency"]
            added50 = round(lat["p50_ms"] - base["p50_ms"], 2)
            added99 = round(lat["p99_ms"] - base["p99_ms"], 2)
            results[name][f"{mode}_added_ms"] = {"p50": added50, "p99": added99}
            print(
                f"{name:10} {mode:6} {lat['p50_ms']:8} {lat['p99_ms']:8} {added50:8} {added99:8} "
                f"{thr['rps']:8}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    failed = any(
        results[n][f"{m}_{k}"]["failed"]
        for n in ("direct", "aispm", "litellm")
        if n in results
        for m in ("json", "stream")
        for k in ("latency", "throughput")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
