"""Finding ``name = value`` assignments in any syntax, without parsing the language.

Covers code (``X = "…"``, ``x: "…"``, ``{"api_key": "…"}``, ``f(api_key="…")``, ``{apiKey: "…"}``),
``.env`` and shell (``KEY=value``, ``export KEY="value"``), Dockerfiles (``ENV KEY=value``,
``ENV KEY value``, ``ARG KEY=value``), YAML, TOML, INI, and notebooks, whose source is JSON-escaped
(``\\"``).  A literal given as the fallback of a reference counts as assigned to the name too:
``apiKey: process.env.X || "…"``, ``key = os.getenv("X", "…")``, ``os.environ.get("X") or "…"``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from aispm.detect.secret_rules import AssignmentRules, NameProvider

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_HIT = re.compile(r"token|secret|passw|passphrase|pwd|key|credential|bearer")
_HIT_ANY_CASE = re.compile(_HIT.pattern, re.IGNORECASE)
_SEPARATOR = re.compile(r"""(?:\\?["'])?\]?[ \t]*(?P<op>:=|=>|\?=|\+=|=(?!=)|:(?!:))[ \t]*""")
_ANNOTATION = re.compile(r"""[A-Za-z_][\w.\[\], |]*?[ \t]*=(?!=)[ \t]*(?=[rbuRBU]?\\?["'`])""")
_DOCKER_INSTRUCTION = re.compile(r"[ \t]*(?:ENV|ARG|env|arg)[ \t]+$")
_UNQUOTED = re.compile(r"""[^\s"'`,;\\]+""")
_STRING_PREFIX = frozenset("rbuRBU")
_QUOTES = frozenset("\"'`")
_VARIABLE_BEFORE = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?:\\?["'])?\]?[ \t]*"""
    r"""(?::[ \t]*[A-Za-z_][\w.\[\]|, ]*?[ \t]*=|:=|=>|\?=|\+=|==|=|:)[ \t]*(?:[rbuRBU]?\\?["'`])?$"""
    r"""|^[ \t]*(?:ENV|ARG)[ \t]+(?P<docker>[A-Za-z_][A-Za-z0-9_]*)[ \t]+$""",
    re.MULTILINE,
)
_QUOTE_AHEAD = r"""[ \t]*(?=[rbuRBU]?\\?["'`])"""
_OR_FALLBACK = r"""[^\n;={},:]{1,160}?(?:[ \t]*(?:\|\||\?\?)|[ \t]+or)"""
"""A reference then ``||`` / ``??`` / ``or``: what comes next is its fallback."""
_GET_DEFAULT = (
    r"""[\w.$\[\]]{0,80}?(?:getenv|get|env)\([ \t]*\\?["'][A-Za-z_][\w.\-]*\\?["'][ \t]*,"""
    r"""[ \t]*(?:default[ \t]*=[ \t]*)?"""
)
"""``getenv("X", `` / ``environ.get("X", `` / ``config.get("x", default=``: a default follows."""
_FALLBACK = re.compile(f"(?:{_OR_FALLBACK}|{_GET_DEFAULT}){_QUOTE_AHEAD}")
_FALLBACK_BEFORE = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?:\\?["'])?\]?[ \t]*(?::=|=>|\?=|=|:)[ \t]*"""
    f"""(?:{_OR_FALLBACK}|{_GET_DEFAULT})"""
    r"""[ \t]*[rbuRBU]?\\?["'`]$"""
)
_ENV_NAME = re.compile(
    r"""(?:getenv\(|environ\.get\(|environ\[|env\.get\(|env\[|env\.)[ \t]*\\?["']?"""
    r"""(?P<env>[A-Za-z_][A-Za-z0-9_]*)"""
)
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Assignment:
    """A literal assigned to a credential-like name."""

    name: str
    start: int
    """Offset of the value (without its quotes)."""
    end: int
    quoted: bool
    """The value was a quoted string (a bare value in code is a reference, not a literal)."""
    alias: str | None = None
    """The environment variable whose fallback the literal is (``process.env.X || "…"``)."""

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def name_words(name: str) -> list[str]:
    """``openaiApiKey`` / ``OPENAI_API_KEY`` / ``openai-api-key`` -> ``["openai", "api", "key"]``."""
    spaced = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return [w for w in _NON_WORD.split(spaced.lower()) if w]


def provider_for_name(words: list[str], rules: AssignmentRules) -> NameProvider | None:
    """The provider a variable name names (``OPENAI_API_KEY`` -> openai), if any: a keyword is
    one of the name's words or, for keywords of 5+ letters, part of one (``OPENAIAPIKEY``)."""
    present = set(words)
    joined = "".join(words)
    named = {i for word in present for i in rules.provider_words.get(word, ())}
    named.update(i for keyword, i in rules.provider_parts if keyword in joined)
    for index in sorted(named):
        entry = rules.name_providers[index]
        if all(r in present for r in entry.requires):
            return entry
    return None


def is_credential_name(words: list[str], rules: AssignmentRules) -> bool:
    """Is a variable of these words meant to hold a credential (``*_API_KEY``, ``*_TOKEN``,
    ``*_SECRET``, ``apiKey``, ``password`` …) rather than, say, ``max_tokens`` or ``key_path``?"""
    present = set(words)
    if not present or not present.isdisjoint(rules.excluded_words):
        return False
    if not present.isdisjoint(rules.name_words):
        return True
    if any(pair in rules.name_pairs for pair in itertools.pairwise(words)):
        return True
    joined = "".join(words)
    if any(c in joined for c in rules.name_compounds):
        return True
    return len(words) > 1 and words[-1] == "key" and provider_for_name(words, rules) is not None


def _line_start(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    escaped = text.rfind("\\n", start, pos)
    return escaped + 2 if escaped >= 0 else start


def variable_before(text: str, start: int) -> str | None:
    """The name a value starting at ``start`` is assigned to on its line, if it is assigned
    (directly, or as the fallback of a reference: ``apiKey: process.env.X || "…"``)."""
    line_start = max(_line_start(text, start), start - 200)
    match = _VARIABLE_BEFORE.search(text, line_start, start)
    if match is not None:
        return match.group("name") or match.group("docker")
    fallback = _FALLBACK_BEFORE.search(text, line_start, start)
    return fallback.group("name") if fallback is not None else None


def _fallback(text: str, pos: int) -> tuple[int, str | None] | None:
    """Where the literal fallback of the reference at ``pos`` starts, and the environment
    variable the reference reads (``process.env.X || "…"`` -> X)."""
    match = _FALLBACK.match(text, pos)
    if match is None:
        return None
    env = _ENV_NAME.search(text, pos, match.end())
    return match.end(), env.group("env") if env is not None else None


def _value_span(text: str, pos: int, max_length: int) -> tuple[int, int] | None:
    """The literal starting at ``pos``: quoted (also JSON-escaped ``\\"…\\"``) or bare."""
    n = len(text)
    if pos >= n:
        return None
    if text.startswith('\\"', pos):
        close = text.find('\\"', pos + 2, pos + 2 + max_length + 2)
        if close < 0 or "\n" in text[pos + 2 : close]:
            return None
        return pos + 2, close
    char = text[pos]
    if char in _STRING_PREFIX and pos + 1 < n and text[pos + 1] in _QUOTES:
        pos += 1
        char = text[pos]
    if char in _QUOTES:
        close = text.find(char, pos + 1, pos + 1 + max_length + 1)
        if close < 0 or "\n" in text[pos + 1 : close]:
            return None
        return pos + 1, close
    bare = _UNQUOTED.match(text, pos)
    return bare.span() if bare else None


def _value_start(text: str, name_start: int, name_end: int) -> int | None:
    """Where the value assigned to the name at ``name_start:name_end`` begins, if it is one."""
    sep = _SEPARATOR.match(text, name_end)
    if sep is not None:
        pos = sep.end()
        if sep.group("op") == ":":
            annotated = _ANNOTATION.match(text, pos)  # ``api_key: str = "…"``
            if annotated is not None:
                pos = annotated.end()
        return pos
    if name_end < len(text) and text[name_end] in " \t":
        line_start = _line_start(text, name_start)
        if _DOCKER_INSTRUCTION.fullmatch(text, line_start, name_start):
            pos = name_end
            while pos < len(text) and text[pos] in " \t":
                pos += 1
            return pos
    return None


def find_assignments(text: str, rules: AssignmentRules) -> Iterator[Assignment]:
    """Every literal assigned to a credential-like name, in order (values are not judged here)."""
    lowered = text.lower()
    hits = _HIT.finditer(lowered) if len(lowered) == len(text) else _HIT_ANY_CASE.finditer(text)
    last_name_end = -1
    for hit in hits:
        if hit.start() < last_name_end:
            continue  # another keyword of a name already looked at
        start = hit.start()
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        end = hit.end()
        while end < len(text) and text[end] in _NAME_CHARS:
            end += 1
        last_name_end = end
        value_at = _value_start(text, start, end)
        if value_at is None:
            continue
        name = text[start:end].strip(".-")
        if not name:
            continue
        credential = is_credential_name(name_words(name), rules)
        span = _value_span(text, value_at, rules.max_length)
        if span is None or span[1] <= span[0]:
            continue
        alias = None
        if span[0] == value_at:  # a bare value: a reference with a literal fallback?
            fallback = _fallback(text, value_at)
            if fallback is not None:
                literal_at, alias = fallback
                span = _value_span(text, literal_at, rules.max_length)
                if span is None or span[1] <= span[0] or span[0] == literal_at:
                    continue
                value_at = literal_at
                credential = credential or (
                    alias is not None and is_credential_name(name_words(alias), rules)
                )
        if credential:
            yield Assignment(name, span[0], span[1], quoted=span[0] != value_at, alias=alias)
