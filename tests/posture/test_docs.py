"""docs/rules.md carries the current rule table (regenerate: aispm rules list --format markdown)."""

from __future__ import annotations

from pathlib import Path

from aispm.cli.rules import markdown_table
from aispm.posture import builtin_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_table_is_current() -> None:
    assert markdown_table(builtin_rules()) in DOC.read_text(encoding="utf-8")
