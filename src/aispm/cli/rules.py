"""``aispm rules``: list and show posture rules (built-in, plus custom ones from a policy)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aispm.core.model import RuleMeta

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Also list the custom rules of this policy file.", dir_okay=False),
]


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def markdown_table(rules: list[RuleMeta]) -> str:
    """The rule table of docs/rules.md."""
    lines = [
        "| ID | Severity | Title | OWASP LLM Top 10 (2025) | MITRE ATLAS |",
        "|---|---|---|---|---|",
    ]
    for m in rules:
        cells = [f"`{m.id}`", m.severity.value, m.title.replace("|", "/")]
        cells += [", ".join(m.owasp_llm), ", ".join(m.mitre_atlas)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _rules(policy_path: Path | None) -> list[RuleMeta]:
    from aispm.posture import PolicyError, all_rules, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return [meta for meta, _ in all_rules(policy)]


def _table(rules: list[RuleMeta]) -> Table:
    table = Table(title=f"{len(rules)} posture rules", show_lines=False)
    for column in ("ID", "Severity", "Title", "OWASP LLM", "MITRE ATLAS"):
        table.add_column(column, overflow="fold")
    for meta in rules:
        table.add_row(
            meta.id, meta.severity.value, meta.title, ", ".join(meta.owasp_llm), ", ".join(meta.mitre_atlas)
        )
    return table


def list_rules(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
    ] = ListFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.", dir_okay=False)
    ] = None,
    policy: PolicyOption = None,
) -> None:
    """List every posture rule."""
    rules = _rules(policy)
    if fmt in (ListFormat.json, ListFormat.markdown):
        if fmt == ListFormat.json:
            text = json.dumps([m.to_json() for m in rules], indent=2) + "\n"
        else:
            text = markdown_table(rules)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
        return
    if output:
        with output.open("w", encoding="utf-8") as fh:
            Console(file=fh, width=200, color_system=None).print(_table(rules))
    else:
        Console().print(_table(rules))


def show_rule(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. AISPM-CODE-001.")],
    policy: PolicyOption = None,
) -> None:
    """Show one rule's full metadata."""
    rules = {m.id.upper(): m for m in _rules(policy)}
    meta = rules.get(rule_id.strip().upper())
    if meta is None:
        typer.echo(f"error: no rule {rule_id!r}; see `aispm rules list`", err=True)
        raise typer.Exit(2)
    lines = [
        f"{meta.id}  [{meta.severity.value}]  {meta.title}",
        "",
        "Rationale:",
        f"  {meta.rationale}",
        "",
        "Remediation:",
        f"  {meta.remediation}",
        "",
        f"OWASP LLM Top 10 2025: {', '.join(meta.owasp_llm) or '-'}",
        f"MITRE ATLAS:           {', '.join(meta.mitre_atlas) or '-'}",
        f"References:            {', '.join(meta.references) or '-'}",
        f"Asset kinds:           {', '.join(k.value for k in meta.asset_kinds) or '-'}",
        f"Tags:                  {', '.join(meta.tags) or '-'}",
    ]
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add the ``rules`` command group."""
    group = typer.Typer(help="List and show posture rules.", no_args_is_help=True)
    group.command("list")(list_rules)
    group.command("show")(show_rule)
    app.add_typer(group, name="rules")
