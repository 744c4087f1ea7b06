"""``aispm detect PATH``: run the gateway's detectors over text, JSONL or CSV records offline.

One JSON object per input record, in input order: ``{"record": n, "detections": [...]}`` with
detector, type, score and span of each detection — never the detected text.  A record that
cannot be read becomes ``{"record": n, "error": "..."}`` and the rest goes on.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from aispm.cli.errors import fail

if TYPE_CHECKING:  # the detectors (NumPy, the classifier's weights) load only when ``detect`` runs
    from aispm.detect.base import Detection, Detector

TEXT_FIELDS = ("text", "prompt", "content")
PROGRESS_EVERY = 1000


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


def detect_format(path: Path, fmt: InputFormat) -> InputFormat:
    """The input format: given, or from the file extension (.jsonl/.ndjson, .csv, else text)."""
    if fmt is not InputFormat.auto:
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return InputFormat.jsonl
    return InputFormat.csv if suffix == ".csv" else InputFormat.text


def _pick(record: dict[str, Any], field: str | None) -> str:
    names = (field,) if field else TEXT_FIELDS
    for name in names:
        value = record.get(name)
        if isinstance(value, str):
            return value
    wanted = field or "/".join(TEXT_FIELDS)
    raise ValueError(f"no text field {wanted!r} in this record")


def records(handle: TextIO, fmt: InputFormat, field: str | None) -> Iterator[str | ValueError]:
    """Each record's text, or the error that makes it unreadable."""
    if fmt is InputFormat.text:
        for line in handle:
            yield line.rstrip("\n").rstrip("\r")
    elif fmt is InputFormat.jsonl:
        for line in handle:
            if not line.strip():
                yield ValueError("empty line")
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield ValueError(f"invalid JSON: {exc.args[0].split(':')[0]}")
                continue
            if not isinstance(value, dict):
                yield ValueError("not a JSON object")
                continue
            try:
                yield _pick(value, field)
            except ValueError as exc:
                yield exc
    else:
        reader = csv.DictReader(handle)
        if field and reader.fieldnames is not None and field not in reader.fieldnames:
            raise ValueError(f"CSV has no column {field!r} (columns: {', '.join(reader.fieldnames)})")
        try:
            for row in reader:
                try:
                    yield _pick(row, field)
                except ValueError as exc:
                    yield exc
        except csv.Error as exc:
            yield ValueError(f"invalid CSV: {exc}")


def record_result(index: int, item: str | ValueError, detectors: list[Detector], role: str) -> dict[str, Any]:
    """The output object of one record."""
    if isinstance(item, ValueError):
        return {"record": index, "error": str(item)}
    from aispm.detect.registry import run_detectors

    return {"record": index, "detections": [_public(d) for d in run_detectors(item, detectors, role=role)]}


def _public(d: Detection) -> dict[str, Any]:
    return {
        "detector": d.detector,
        "type": d.type,
        "score": round(d.score, 4),
        "start": d.start,
        "end": d.end,
    }


def detect_command(
    path: Annotated[
        Path, typer.Argument(help="Text (one record a line), JSONL or CSV file.", dir_okay=False)
    ],
    field: Annotated[
        str | None,
        typer.Option("--field", help="Text field of JSONL/CSV records (default: text, prompt or content)."),
    ] = None,
    fmt: Annotated[
        InputFormat, typer.Option("--format", "-f", help="Input format (default: from the extension).")
    ] = InputFormat.auto,
    role: Annotated[
        str,
        typer.Option("--role", help="Role the records are read as: user, system, assistant, tool, document."),
    ] = "user",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write JSON lines here instead of stdout.", dir_okay=False),
    ] = None,
) -> None:
    """Screen datasets, prompt templates and prompt logs with the gateway's detectors."""
    from aispm.detect.registry import ALL_ROLES, default_detectors

    if role not in ALL_ROLES:
        fail(ValueError(f"--role must be one of {', '.join(sorted(ALL_ROLES))}"))
    chosen = detect_format(path, fmt)
    detectors = default_detectors()
    try:
        handle = path.open(
            encoding="utf-8", errors="replace", newline="" if chosen is InputFormat.csv else None
        )
    except OSError as exc:
        fail(exc)
    try:
        out = output.open("w", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        fail(OSError(f"cannot write {output}: {exc.strerror or exc}"))
    flagged = 0
    count = 0
    try:
        with handle:
            for count, item in enumerate(records(handle, chosen, field), start=1):
                result = record_result(count, item, detectors, role)
                flagged += bool(result.get("detections"))
                out.write(json.dumps(result) + "\n")
                if count % PROGRESS_EVERY == 0:
                    print(f"detect: {count} records, {flagged} with detections", file=sys.stderr)
    except ValueError as exc:
        fail(exc)
    finally:
        if output:
            out.close()
    print(f"detect: {count} records, {flagged} with detections", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the ``detect`` command."""
    app.command("detect")(detect_command)
