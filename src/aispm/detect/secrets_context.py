"""What surrounds a credential literal: the client call, object key or config section it sits in.

The secrets detector asks this when a literal's own name does not name a provider
(``Mistral(api_key="…")``, ``new OpenAI({apiKey: "…", baseURL: "https://api.deepseek.com"})``,
``mistral: {api_key: …}``, a YAML ``serpapi:`` block, a TOML ``[serpapi]`` section), and then
about the places the variable holding it is passed on (``api_key = "…"`` …
``Mistral(api_key=api_key)``).  The text is read a bounded distance and no language is parsed: a
bracket inside a string can mislead it, which at worst leaves the secret typed by its own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aispm.detect.secret_rules import ContextRules

_OPENERS = frozenset("({[")
_BRACKETS = re.compile(r"[(){}\[\]]")
_CLOSERS = frozenset(")}]")
_ARGUMENT = re.compile(
    r"""(?P<name>[A-Za-z_$][\w$]*)\\?["']?[ \t]*(?:=(?!=)|:)[ \t]*"""
    r"""(?:[rbuRBU]?\\?["'`](?P<url>[^"'`\s]{1,300}))?"""
)
_YAML_PARENT = re.compile(r"""[ \t]*(?:-[ \t]+)?["']?(?P<name>[A-Za-z_][\w\-]*)["']?[ \t]*:[ \t]*(?:#.*)?$""")
_SECTION = re.compile(r"""^[ \t]*\[{1,2}(?P<name>[A-Za-z_][\w.\- "']*)\]{1,2}[ \t]*$""", re.MULTILINE)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$"
_CALLEE_CHARS = frozenset(_WORD_CHARS + ".?")
_KEY_CHARS = frozenset(_WORD_CHARS + ".-")
_NAME_CHARS = frozenset(_WORD_CHARS + ".")
_INDENT = re.compile(r"[ \t-]*")
_ARGUMENT_END = re.compile(r"[ \t]*(?:[,)}\n]|$)")
_MAX_OCCURRENCES = 50
"""Occurrences of a variable's name looked at when searching where it is passed on."""


@dataclass(frozen=True, slots=True)
class Surroundings:
    """The names around a literal, innermost first, and the base URL of its innermost call."""

    names: list[str] = field(default_factory=list)
    """Callee, object keys, YAML parent keys and the TOML/INI section, innermost first."""
    call: str | None = None
    """The callee of the innermost enclosing call (``Mistral``, ``openai.OpenAI``), if any."""
    base_url_set: bool = False
    """The innermost enclosing call passes a base-URL argument (``base_url=``, ``baseURL:`` …)."""
    base_url_host: str | None = None
    """The host of that argument when it is a literal URL."""


def joined_words(name: str) -> str:
    """``baseURL`` / ``base_url`` / ``base-url`` -> ``baseurl``."""
    return _NON_WORD.sub("", _CAMEL.sub(r"\1_\2", name).lower())


def url_host(url: str) -> str:
    """``https://api.deepseek.com/v1`` -> ``api.deepseek.com`` (also without a scheme)."""
    rest = _SCHEME.sub("", url)
    rest = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return rest.split(":", 1)[0].lower() if not rest.startswith("[") else rest.lower()


def surroundings(text: str, pos: int, rules: ContextRules) -> Surroundings:
    """What encloses the literal starting at ``pos``."""
    names: list[str] = []
    base_url_set, base_url_host = False, None
    call = None
    for kind, name, opener in _enclosing(text, pos, rules):
        if kind == "call" and call is None:
            call = name
            base_url_set, base_url_host = _base_url(text, opener, rules)
        if name:
            names.append(name)
        if len(names) >= rules.max_levels:
            break
    if len(names) < rules.max_levels:
        names.extend(_yaml_parents(text, pos, rules, rules.max_levels - len(names)))
    section = _section(text, pos, rules)
    if section:
        names.append(section)
    return Surroundings(names, call or None, base_url_set, base_url_host)


def uses(text: str, name: str, after: int, rules: ContextRules) -> list[int]:
    """Where the variable ``name`` is passed on after offset ``after``: offsets of ``name`` as a
    whole argument or property value (``f(name)``, ``f(key=name)``, ``{apiKey: name}``), the
    first ``rules.max_uses`` within ``rules.max_use_distance`` characters."""
    if not _IDENTIFIER.fullmatch(name):
        return []
    end = min(len(text), after + rules.max_use_distance)
    found: list[int] = []
    at = text.find(name, after, end)
    looked = 0
    while at >= 0 and looked < _MAX_OCCURRENCES and len(found) < rules.max_uses:
        looked += 1
        next_at = at + len(name)
        if (at == 0 or text[at - 1] not in _NAME_CHARS) and _ARGUMENT_END.match(text, next_at):
            before = text[max(0, at - 80) : at].rstrip()
            if before.endswith(("(", ",", "=", ":")) and not before.endswith(("==", "!=", "<=", ">=")):
                found.append(at)
        at = text.find(name, next_at, end)
    return found


def _enclosing(text: str, pos: int, rules: ContextRules) -> list[tuple[str, str, int]]:
    """Unclosed ``(`` and ``{`` before ``pos``, innermost first, each as (kind, name, offset):
    a call and its callee, or an object and the key it is assigned to ("" when it has none)."""
    found: list[tuple[str, str, int]] = []
    depth = 0
    limit = max(0, pos - rules.max_back)
    for bracket in reversed(list(_BRACKETS.finditer(text, limit, pos))):
        i = bracket.start()
        char = text[i]
        if char in _CLOSERS:
            depth += 1
        elif depth:
            depth -= 1
        elif char == "(":
            found.append(("call", _callee(text, max(limit, i - 200), i), i))
        elif char == "{":
            before = text[max(limit, i - 200) : i].rstrip()
            if not before.endswith("("):  # ``f({...})``: the call is the next opener
                found.append(("object", _object_key(before), i))
        if len(found) >= rules.max_levels + 2:
            break
    return found


def _trailing_name(text: str, start: int, end: int, chars: frozenset[str]) -> str:
    """The run of ``chars`` ending at ``end`` (not before ``start``), if it starts like a name."""
    begin = end
    while begin > start and text[begin - 1] in chars:
        begin -= 1
    name = text[begin:end].strip(".-")
    return name if name and (name[0].isalpha() or name[0] in "_$") else ""


def _callee(text: str, start: int, opener: int) -> str:
    """The function called by the ``(`` at ``opener``: ``OpenAI`` in ``new OpenAI(``,
    ``openai.OpenAI`` in ``openai.OpenAI (``, ``createClient`` in ``createClient<Config>(``."""
    end = opener
    while end > start and text[end - 1] in " \t":
        end -= 1
    if end > start and text[end - 1] == ">":  # TypeScript type arguments
        less = text.rfind("<", max(start, end - 80), end)
        if less < 0:
            return ""
        end = less
    return _trailing_name(text, start, end, _CALLEE_CHARS)


def _object_key(before: str) -> str:
    """The key an object literal is the value of, from the text before its ``{`` (stripped):
    ``mistral`` in ``mistral: {``, ``"mistral": {``, ``mistral = {``, ``config["mistral"] = {``."""
    for separator in ("=>", ":", "="):
        if before.endswith(separator) and not before.endswith(("==", "!=", "::")):
            head = before[: -len(separator)].rstrip().rstrip("]").rstrip("\"'").rstrip("\\")
            return _trailing_name(head, 0, len(head), _KEY_CHARS)
    return ""


def _base_url(text: str, opener: int, rules: ContextRules) -> tuple[bool, str | None]:
    """Does the call opening at ``opener`` pass a base URL, and the host of a literal one."""
    end = _closing(text, opener, rules.max_call)
    base_url_set, host = False, None
    for argument in _ARGUMENT.finditer(text, opener + 1, end):
        if joined_words(argument.group("name")) not in rules.base_url_names:
            continue
        base_url_set = True
        url = argument.group("url")
        if url and host is None:
            host = url_host(url)
    return base_url_set, host


def _closing(text: str, opener: int, max_call: int) -> int:
    """The offset of the bracket closing the one at ``opener`` (or where the search stopped)."""
    depth = 0
    end = min(len(text), opener + max_call)
    for bracket in _BRACKETS.finditer(text, opener, end):
        if text[bracket.start()] in _OPENERS:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return bracket.start()
    return end


def _yaml_parents(text: str, pos: int, rules: ContextRules, wanted: int) -> list[str]:
    """Keys of the less indented ``key:`` lines above the literal's line (YAML mappings)."""
    limit = max(0, pos - rules.max_back)
    newline = text.rfind("\n", limit, pos)
    if newline < 0:
        return []  # the line is longer than the window: no YAML
    leading = _INDENT.match(text, newline + 1, pos)
    indent = (leading.end() if leading else newline + 1) - newline - 1
    parents: list[str] = []
    end = newline
    while indent > 0 and len(parents) < wanted:
        newline = text.rfind("\n", limit, end)
        if newline < 0:
            break
        above = text[newline + 1 : end]
        end = newline
        stripped = above.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        above_indent = len(above) - len(stripped)
        if above_indent >= indent:
            continue
        key = _YAML_PARENT.fullmatch(above)
        if key is None:
            break  # not a YAML mapping (code, prose): stop looking
        parents.append(key.group("name"))
        indent = above_indent
    return parents


def _section(text: str, pos: int, rules: ContextRules) -> str | None:
    """The name of the TOML/INI section (``[serpapi]``, ``[tool.app.mistral]``) the literal is in."""
    limit = max(0, pos - rules.max_back)
    line_start = text.rfind("\n", limit, pos) + 1
    names = [m.group("name") for m in _SECTION.finditer(text, limit, line_start)] if line_start else []
    return names[-1] if names else None
