"""Pickle streams → issues: runs the symbolic machine over every stacked pickle of a stream,
classifies what each reaches and scans nested pickles."""

from __future__ import annotations

import io

from aispm.artifacts.callables import DANGEROUS, SAFE, classify
from aispm.artifacts.context import Budget, LimitExceeded, Outcome, ScanAbort
from aispm.artifacts.pickle_ops import ByteStream, OpReader, Skipped
from aispm.artifacts.pickle_vm import Event, Machine
from aispm.core.model import Severity

MAX_STACKED = 64
"""Pickles read back to back from one stream (legacy PyTorch writes five)."""


def scan_pickle_bytes(
    data: bytes, budget: Budget, out: Outcome, *, depth: int = 0, member: str | None = None
) -> None:
    """Scan a pickle held in memory (see :func:`scan_pickle_stream`)."""
    scan_pickle_stream(io.BytesIO(data), len(data), budget, out, depth=depth, member=member)


def scan_pickle_stream(
    stream: ByteStream,
    size: int | None,
    budget: Budget,
    out: Outcome,
    *,
    depth: int = 0,
    member: str | None = None,
) -> None:
    """Run every pickle of ``stream`` (stacked pickles back to back) symbolically and add the
    issues to ``out``.  A parse error is recorded in ``out.error``; what was found before it is
    kept, since a real unpickler would have run those opcodes too."""
    reader = OpReader(stream, size)
    protocols: list[int] = []
    ops = 0
    try:
        for index in range(MAX_STACKED):
            if index and not _more_pickles(reader):
                break
            machine = Machine(reader, budget)
            try:
                machine.run()
            finally:
                ops += machine.ops
                protocols.append(machine.protocol)
                _report(machine, budget, out, depth, member)
        if not reader.at_end():
            out.metadata["trailing_bytes"] = True
    except ScanAbort as exc:
        out.error = out.error or _where(str(exc), member)
    except (RecursionError, MemoryError, OverflowError, ValueError, EOFError) as exc:
        out.error = out.error or _where(f"{type(exc).__name__}: {exc}", member)
    out.metadata.setdefault("pickle_protocol", max(protocols) if protocols else None)
    out.metadata["pickles"] = int(out.metadata.get("pickles", 0)) + len(protocols)
    out.metadata["pickle_ops"] = int(out.metadata.get("pickle_ops", 0)) + ops


def _where(message: str, member: str | None) -> str:
    return f"{member}: {message}" if member else message


def _more_pickles(reader: OpReader) -> bool:
    """Another pickle follows: PROTO 2-5 (text pickles are not read back to back)."""
    head = reader.peek(2)
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _report(machine: Machine, budget: Budget, out: Outcome, depth: int, member: str | None) -> None:
    events = list(machine.events)
    for inner in machine.inline_pickles:
        events.extend(inner.events)
    called = {e.path for e in events if e.kind in ("call", "resolved")}
    prefixes = _prefixes(events)
    for event in events:
        if event.kind == "call":
            _call_issue(event, out, member)
        elif event.kind == "ref":
            if event.path in called or event.path in prefixes:
                continue
            _ref_issue(event, out, member)
        elif event.kind == "unresolved":
            out.add(
                "dangerous_call",
                Severity.HIGH,
                f"callable the scanner cannot resolve statically: {event.text}",
                callable=event.path,
                member=member,
                offset=event.offset,
            )
        elif event.kind == "global_write":
            out.add(
                "dangerous_call",
                Severity.HIGH,
                f"writes into a module or class at load time: {event.text}",
                callable=event.path,
                member=member,
                offset=event.offset,
            )
        elif event.kind == "nested":
            _nested(event, budget, out, depth, member)


def _prefixes(events: list[Event]) -> set[str]:
    """Dotted names that only lead to a longer name (``torch.os`` of ``torch.os.system``)."""
    found: set[str] = set()
    for event in events:
        if event.kind in ("call", "ref"):
            parts = event.path.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return found


def _call_issue(event: Event, out: Outcome, member: str | None) -> None:
    verdict = classify(event.path)
    if verdict.kind == SAFE:
        return
    kind = "dangerous_call" if verdict.kind == DANGEROUS else "unknown_call"
    out.add(
        kind,
        verdict.severity or Severity.MEDIUM,
        event.text,
        callable=event.path,
        member=member,
        offset=event.offset,
    )


def _ref_issue(event: Event, out: Outcome, member: str | None) -> None:
    verdict = classify(event.path)
    if verdict.kind == SAFE:
        return
    kind = "dangerous_call" if verdict.kind == DANGEROUS else "unknown_call"
    out.add(
        kind,
        verdict.severity or Severity.MEDIUM,
        f"reference to {event.path} (reachable at load time)",
        callable=event.path,
        member=member,
        offset=event.offset,
    )


def _nested(event: Event, budget: Budget, out: Outcome, depth: int, member: str | None) -> None:
    payload = event.payload
    label = f"{member}:nested@{event.offset}" if member else f"nested@{event.offset}"
    if isinstance(payload, Skipped) or payload is None:
        out.add(
            "nested_pickle", Severity.HIGH, f"nested pickle too large to scan: {event.text}", member=member
        )
        return
    out.add("nested_pickle", Severity.HIGH, f"pickle passed to {event.path}: {event.text}", member=member)
    if depth + 1 > budget.limits.max_depth:
        out.add(
            "limit", Severity.MEDIUM, f"nested pickle deeper than {budget.limits.max_depth}", member=member
        )
        return
    inner = Outcome()
    try:
        scan_pickle_bytes(payload, budget, inner, depth=depth + 1, member=label)
    except LimitExceeded as exc:
        inner.error = str(exc)
    out.extend(inner.issues)
    if inner.error:
        out.add("limit", Severity.LOW, f"nested pickle not fully parsed: {inner.error}", member=member)
