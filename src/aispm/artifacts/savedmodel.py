"""TensorFlow SavedModel: op names of the graph and its function library (protobuf wire
format, no TensorFlow import); ops that touch files or run Python are flagged."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aispm.artifacts.context import Ctx, Outcome
from aispm.artifacts.model import ArtifactScan
from aispm.artifacts.protobuf_wire import submessages, text
from aispm.artifacts.sniff import formats_config
from aispm.core.model import Severity


@cache
def _ops() -> dict[str, Severity]:
    return {op: Severity(level) for level, ops in formats_config()["tf_ops"].items() for op in ops}


def scan_saved_model_pb(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "tf_savedmodel"
    dangerous = _ops()
    seen: dict[str, int] = {}
    for meta in submessages(buf, (0, len(buf)), 2):
        for graph in submessages(buf, meta, 2):
            for node in submessages(buf, graph, 1):
                _node(buf, node, dangerous, seen, out, None)
            for library in submessages(buf, graph, 2):
                for function in submessages(buf, library, 1):
                    ctx.budget.check_time()
                    fname = next((text(buf, sig, 1) for sig in submessages(buf, function, 1)), None)
                    for node in submessages(buf, function, 3):
                        _node(buf, node, dangerous, seen, out, fname)
    out.metadata["ops"] = dict(sorted(seen.items())[:200])


def _node(
    buf: Any,
    span: tuple[int, int],
    dangerous: dict[str, Severity],
    seen: dict[str, int],
    out: Outcome,
    function: str | None,
) -> None:
    op = text(buf, span, 2) or ""
    seen[op] = seen.get(op, 0) + 1
    if op in dangerous:
        node = text(buf, span, 1) or "?"
        where = f" in function {function!r}" if function else ""
        out.add("unsafe_op", dangerous[op], f"op {op} (node {node!r}{where})", callable=op)


def scan_saved_model_dir(folder: Path, shown: str, ctx: Ctx) -> ArtifactScan:
    """A SavedModel directory as one artifact: saved_model.pb plus the Keras metadata beside it."""
    from aispm.artifacts.scanner import scan_file  # the directory's files are scanned like any file

    pb = folder / "saved_model.pb"
    if not pb.is_file():
        return ArtifactScan(shown, None, 0, None, error="directory is not a TensorFlow SavedModel")
    main = scan_file(pb, limits=ctx.budget.limits, display_path=f"{shown}/saved_model.pb")
    members = [main]
    for extra in ("keras_metadata.pb", "fingerprint.pb"):
        path = folder / extra
        if path.is_file() and path.stat().st_size <= ctx.budget.limits.max_member_bytes:
            out = Outcome(format="keras_metadata" if extra.startswith("keras") else "tf_fingerprint")
            if extra.startswith("keras"):
                from aispm.artifacts.keras import scan_keras_metadata_pb

                scan_keras_metadata_pb(path.read_bytes(), out)
            members.append(
                ArtifactScan(
                    f"{shown}/{extra}", out.format, path.stat().st_size, None, issues=tuple(out.issues)
                )
            )
    return ArtifactScan(
        path=shown,
        format="tf_savedmodel",
        size=sum(m.size for m in members),
        sha256=main.sha256,
        error=main.error,
        members=tuple(members),
        metadata={"saved_model_pb": main.sha256},
    )
