"""The ``%`` directives of Go's ``fmt`` verbs, as HCL's ``format()`` and Helm's ``printf`` read
them: one scanner that pads each piece to its width; each evaluator says what a verb prints."""

from __future__ import annotations

import re
from collections.abc import Callable

_DIRECTIVE = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def printf(text: str, piece: Callable[[str, str | None], str], max_width: int | None = None) -> str:
    """``text`` with each directive ``%[flags][width][.precision]verb`` replaced by
    ``piece(verb, precision)`` (which takes the next argument itself) padded to its width (with
    ``-`` on the right, with ``0`` zeros on the left, else spaces on the left); ``%%`` is ``%``.
    A width above ``max_width`` is ignored."""
    out: list[str] = []
    pos = 0
    for match in _DIRECTIVE.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        value = piece(verb, precision)
        if width and (max_width is None or int(width) <= max_width):
            value = (
                value.ljust(int(width))
                if "-" in flags
                else value.rjust(int(width), "0" if "0" in flags else " ")
            )
        out.append(value)
    out.append(text[pos:])
    return "".join(out)
