"""Code: unsafe deserialisation of model data, and LLM output flowing into dangerous sinks."""

from __future__ import annotations

from collections.abc import Iterator

from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location
from aispm.posture.helpers import (
    as_list,
    call_finding,
    expression_text,
    finding,
    is_expression,
    iter_calls,
    matches_any,
    path_of,
    reference,
)
from aispm.posture.policy import Policy
from aispm.posture.registry import check


@check("AISPM-CODE-001")
def torch_load_without_weights_only(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for call in iter_calls(inventory, "torch_load"):
        value = call.keywords.get("weights_only")
        if value is True or is_expression(value):
            continue
        state = "without weights_only=True" if value is None else "with weights_only=False"
        yield call_finding(
            "AISPM-CODE-001",
            call,
            f"torch.load({_first(call.args)}) at {call.location} {state}: the file is unpickled with "
            "full pickle semantics",
        )


@check("AISPM-CODE-002")
def pickle_family_load(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for call in iter_calls(inventory, "pickle_load"):
        yield call_finding(
            "AISPM-CODE-002",
            call,
            f"{call.function}({_first(call.args)}) at {call.location} deserialises with pickle",
        )


@check("AISPM-CODE-003")
def numpy_allow_pickle(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _calls_passing(
        "AISPM-CODE-003", inventory, "numpy_load", "allow_pickle", True, "unpickles object arrays"
    )


@check("AISPM-CODE-004")
def yaml_unsafe_load(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    safe = set(reference()["safe_yaml_loaders"])
    for call in iter_calls(inventory, "yaml_load"):
        loader = call.arg(1, "Loader")
        short = call.function.rsplit(".", 1)[-1]
        if not short.startswith("unsafe_"):
            if loader is not None and not is_expression(loader):
                continue  # a literal is not a Loader class; nothing to judge
            if loader is not None and expression_text(loader).rsplit(".", 1)[-1] in safe:
                continue
            if loader is not None and not expression_text(loader).rsplit(".", 1)[-1].endswith("Loader"):
                continue  # a variable holding some loader: cannot tell
        shown = "no Loader" if loader is None else f"Loader={expression_text(loader)}"
        yield call_finding(
            "AISPM-CODE-004",
            call,
            f"{call.function}(…) at {call.location} with {shown} can construct arbitrary Python objects",
        )


@check("AISPM-CODE-005")
def keras_unsafe_mode(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _calls_passing(
        "AISPM-CODE-005",
        inventory,
        "keras_load",
        "safe_mode",
        False,
        "deserialises Lambda layers with arbitrary code",
    )


def _calls_passing(
    rule_id: str, inventory: Inventory, group: str, keyword: str, value: bool, effect: str
) -> Iterator[Finding]:
    """A finding for each watched call of ``group`` that passes the literal ``keyword=value``."""
    for call in iter_calls(inventory, group):
        if call.keywords.get(keyword) is value:
            yield call_finding(
                rule_id,
                call,
                f"{call.function}({_first(call.args)}, {keyword}={value}) at {call.location} {effect}",
            )


def _first(args: tuple[object, ...]) -> str:
    if not args:
        return "…"
    text = expression_text(args[0]) if isinstance(args[0], str) else repr(args[0])
    return text if len(text) <= 60 else text[:59] + "…"


# ---- LLM output sinks ---------------------------------------------------------------------------


def sink_category(sink: dict[str, object]) -> str | None:
    """The category of a sink (``code_exec``, ``shell`` ...), explicit or by its name."""
    categories: dict[str, list[str]] = reference()["sink_categories"]
    explicit = sink.get("category") or sink.get("kind")
    if isinstance(explicit, str) and explicit in categories:
        return explicit
    name = sink.get("sink")
    if not isinstance(name, str):
        return None
    return next((cat for cat, globs in categories.items() if matches_any(name, globs)), None)


def _sinks(inventory: Inventory, categories: set[str]) -> Iterator[tuple[Asset, dict[str, object], str]]:
    for file in inventory.of_kind(AssetKind.SOURCE_FILE, AssetKind.NOTEBOOK):
        for sink in as_list(file.properties.get("llm_output_sinks")):
            if isinstance(sink, dict) and (cat := sink_category(sink)) in categories:
                yield file, sink, str(cat)


def _sink_findings(inventory: Inventory, rule_id: str, categories: set[str], what: str) -> Iterator[Finding]:
    for file, sink, category in _sinks(inventory, categories):
        line = sink.get("line")
        location = Location(path=path_of(file), line=line if isinstance(line, int) else None)
        source = sink.get("source") or "an LLM call"
        source_line = sink.get("source_line")
        origin = f"{source} (line {source_line})" if isinstance(source_line, int) else str(source)
        yield finding(
            rule_id,
            file,
            f"output of {origin} reaches {sink.get('sink')} at {location} ({what})",
            location=location,
            evidence={"sink": sink.get("sink"), "category": category, "source": sink.get("source")},
            discriminator=f"{sink.get('source')}->{sink.get('sink')}",
        )


@check("AISPM-CODE-006")
def llm_output_to_code_exec(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _sink_findings(inventory, "AISPM-CODE-006", {"code_exec"}, "evaluated as code")


@check("AISPM-CODE-007")
def llm_output_to_shell(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _sink_findings(inventory, "AISPM-CODE-007", {"shell"}, "run as an OS command")


@check("AISPM-CODE-008")
def llm_output_to_sql(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _sink_findings(inventory, "AISPM-CODE-008", {"sql"}, "executed as SQL")


@check("AISPM-CODE-009")
def llm_output_to_deserializer(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _sink_findings(inventory, "AISPM-CODE-009", {"deserialize"}, "deserialised")


@check("AISPM-CODE-010")
def llm_output_to_file_or_network(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    yield from _sink_findings(
        inventory, "AISPM-CODE-010", {"file_write", "network"}, "written to a file or sent over the network"
    )
