"""A cheap text test that decides whether a Python source is worth a full ``ast`` analysis.

Most files of a large repository have nothing to do with AI.  Parsing and walking them costs far
more than reading their import lines, so a source is analysed only when it imports a module the
analysis cares about (an AI catalog module, or a module of a call marked ``ai: true`` in
``code_calls.yaml``, or boto3 for Bedrock/SageMaker clients) or mentions a system-prompt marker.
Imports written anywhere (also inside functions) count; dynamic imports do not.
"""

from __future__ import annotations

import re
from functools import cache

from aispm.data import load_yaml
from aispm.discover.code.catalog import load_catalog

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.MULTILINE)
_FROM_NAMES = re.compile(r"[ \t]*\(?([\w, \t]+)")
"""The names after ``from m import`` on the same line."""
_PROMPT_MARKERS = re.compile(
    r"""["']system["']|["']developer["']|SystemMessage|(?i:system_?prompt)|SYSTEM_MESSAGE|instructions\s*="""
)
_MARKER_WORDS = ("system", "SYSTEM", "System", "developer", "instructions")
"""Every prompt marker contains one of these; a plain substring test rules most files out."""


@cache
def relevant_roots() -> frozenset[str]:
    """Top-level module names whose import makes a file worth analysing."""
    roots = {"boto3", "agents"}
    for entry in load_catalog().entries:
        roots.update(prefix.split(".")[0] for prefix in entry.python)
        roots.update(call.split(".")[0] for call in entry.python_calls)
    calls = load_yaml("code_calls.yaml").get("functions", {})
    roots.update(name.split(".")[0] for name, spec in calls.items() if (spec or {}).get("ai"))
    return frozenset(roots)


def imported_modules(source: str) -> list[tuple[str, int]]:
    """``(module, line)`` of the import statements of a source that cannot be parsed (a
    Python 2 file, a syntax error), with ``module.name`` for the names a ``from`` import
    lists on its line: what the file uses is still known from its imports."""
    found: list[tuple[str, int]] = []
    for match in _IMPORT.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        if match.group(1) is not None:
            found.append((match.group(1), line))
            names = _FROM_NAMES.match(source, match.end())
            for part in names.group(1).split(",") if names else ():
                name = part.strip().split(" ")[0]
                if name.isidentifier():
                    found.append((f"{match.group(1)}.{name}", line))
            continue
        for part in match.group(2).split(","):
            name = part.strip().split(" ")[0].strip()
            if name:
                found.append((name, line))
    return found


def worth_analysing(source: str) -> bool:
    """True when ``source`` imports a relevant module or carries a system-prompt marker."""
    roots = relevant_roots()
    for match in _IMPORT.finditer(source):
        if match.group(1) is not None:
            if match.group(1).split(".")[0] in roots:
                return True
            continue
        for part in match.group(2).split(","):
            name = part.strip().split(" ")[0]
            if name.split(".")[0] in roots:
                return True
    if not any(word in source for word in _MARKER_WORDS):
        return False
    return _PROMPT_MARKERS.search(source) is not None
