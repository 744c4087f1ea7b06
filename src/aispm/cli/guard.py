"""``aispm guard``: run the LLM gateway, manage its keys, query its events and findings."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aispm.cli.errors import fail
from aispm.cli.options import DbOption, FormatOption, OutputFormat

guard_app = typer.Typer(
    name="guard",
    help="Run the LLM gateway (inspects prompts and responses, enforces the AI policy) and manage it.",
    invoke_without_command=True,
    no_args_is_help=False,
)
keys_app = typer.Typer(
    name="keys", help="Gateway keys: create (shown once), list, revoke.", no_args_is_help=True
)
guard_app.add_typer(keys_app)


def register(app: typer.Typer) -> None:
    """Add ``aispm guard`` to ``app``."""
    app.add_typer(guard_app)


@contextmanager
def _store(db: str | None) -> Iterator[object]:
    from aispm.guard.store import GuardStore
    from aispm.store import StoreError

    try:
        store = GuardStore(db)
    except StoreError as exc:
        fail(exc)
    try:
        yield store
    except StoreError as exc:
        fail(exc)
    finally:
        store.close()


@guard_app.callback()
def guard(
    ctx: typer.Context,
    config: Annotated[
        str | None, typer.Option("--config", "-c", help="Gateway config (guard.yaml).", show_default=False)
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1)] = 2,
    db: DbOption = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "warning",
) -> None:
    """Run the gateway: ``aispm guard --config guard.yaml [--host --port --workers]``."""
    if ctx.invoked_subcommand is not None:
        return
    if config is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    from aispm.guard.config import GuardConfigError
    from aispm.guard.server import serve
    from aispm.store import StoreError

    typer.echo(f"aispm guard listening on http://{host}:{port} ({workers} worker(s))", err=True)
    try:
        serve(config, host=host, port=port, workers=workers, db=db, log_level=log_level)
    except (GuardConfigError, StoreError) as exc:
        fail(exc)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Unique key name (shown in events).")],
    models: Annotated[
        str | None, typer.Option("--models", help="Comma-separated models or globs the key may call.")
    ] = None,
    rpm: Annotated[int | None, typer.Option("--rpm", help="Requests per minute.", min=1)] = None,
    tpm: Annotated[int | None, typer.Option("--tpm", help="Tokens per minute.", min=1)] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Duration (30d, 12h) or ISO date.", show_default=False)
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a key and print it once (only a salted hash is stored)."""
    from aispm.guard.keys import parse_expiry
    from aispm.guard.store import GuardStore

    try:
        expires_at = parse_expiry(expires)
    except ValueError as exc:
        fail(exc)
    allowed = [m.strip() for m in (models or "").split(",") if m.strip()]
    with _store(db) as store:
        assert isinstance(store, GuardStore)
        key, record = store.create_key(name, models=allowed, rpm=rpm, tpm=tpm, expires_at=expires_at)
    typer.echo(key)
    typer.echo(
        f"created key {record.name!r} (id {record.key_id}); store it now, it cannot be shown again.", err=True
    )


@keys_app.command("list")
def keys_list(db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """List keys (never the keys themselves)."""
    from aispm.guard.store import GuardStore

    with _store(db) as store:
        assert isinstance(store, GuardStore)
        records = store.list_keys()
    rows = [
        {
            "name": r.name,
            "key_id": r.key_id,
            "status": r.status(),
            "models": list(r.models),
            "rpm": r.rpm,
            "tpm": r.tpm,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "revoked_at": r.revoked_at,
        }
        for r in records
    ]
    _emit(rows, fmt, "Gateway keys", ["name", "key_id", "status", "models", "rpm", "tpm", "expires_at"])


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(help="Key name or key id.")],
    db: DbOption = None,
) -> None:
    """Revoke a key: requests with it get 401 (within the gateway's key cache time)."""
    from aispm.guard.store import GuardStore

    with _store(db) as store:
        assert isinstance(store, GuardStore)
        record = store.revoke_key(name)
    typer.echo(f"revoked {record.name} ({record.key_id})")


def _since(text: str | None) -> str | None:
    if not text:
        return None
    from aispm.guard.keys import parse_duration, parse_time

    duration = parse_duration(text)
    if duration is not None:
        return (datetime.now(UTC) - duration).isoformat(timespec="milliseconds")
    try:
        return parse_time(text).isoformat(timespec="milliseconds")
    except ValueError:
        fail(ValueError(f"--since {text!r} is neither a duration (1h, 7d) nor an ISO date"))


SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only events after this: a duration back (1h, 7d) or an ISO time."),
]


@guard_app.command("events")
def events(
    key: Annotated[str | None, typer.Option("--key", help="Only this key name.")] = None,
    since: SinceOption = None,
    verdict: Annotated[
        str | None, typer.Option("--verdict", help="allow, flag, redact, block, denied or error.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (newest).", min=1)] = 200,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Requests the gateway recorded, oldest first."""
    from aispm.guard.store import GuardStore

    with _store(db) as store:
        assert isinstance(store, GuardStore)
        found = store.events(key=key, since=_since(since), verdict=verdict, limit=limit)
    rows = []
    for e in found:
        row = e.to_json()
        row["detectors"] = ",".join(sorted({f"{d['detector']}:{d['type']}" for d in e.detections}))
        rows.append(row)
    columns = ["ts", "key_name", "model", "provider", "status", "verdict", "detectors", "tokens_in"]
    _emit(rows, fmt, "Guard events", [*columns, "tokens_out", "latency_ms"])


@guard_app.command("findings")
def findings(since: SinceOption = None, db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Model endpoints the gateway saw attacked (blocked prompt injection / jailbreak), as findings."""
    from aispm.guard.findings import GuardCollector, guard_findings
    from aispm.guard.store import GuardStore

    with _store(db) as store:
        assert isinstance(store, GuardStore)
        found = guard_findings(GuardCollector(store, _since(since)).events())
    rows = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "severity": f.severity.value,
            "asset_id": f.asset_id,
            "message": f.message,
            "evidence": dict(f.evidence),
        }
        for f in found
    ]
    _emit(rows, fmt, "Guard findings", ["severity", "asset_id", "message"])


def _emit(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, title: str, columns: list[str]) -> None:
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if fmt is not OutputFormat.table:
        fail(ValueError(f"this command supports --format table or json, not {fmt.value}"))
    if not rows:
        typer.echo(f"No {title.lower()}.")
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(row.get(c))) for c in columns))
    Console(highlight=False, width=200).print(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
