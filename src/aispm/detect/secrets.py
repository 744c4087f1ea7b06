"""The secrets detector: provider-specific key formats and high-entropy credential assignments.

Shared by repository discovery and the runtime guard.  Work per text is bounded by a cheap
prefilter: a pattern's regex runs only when one of its literal keywords (``sk-proj-``, ``AIza``
…) or context words occurs in the text, and the assignment detector only looks at names around
credential words (``key``, ``token``, ``secret`` …).  A literal the assignment detector keeps is
typed by the provider its name names (``MISTRAL_API_KEY``), else by the environment variable it
is the fallback of, else by what surrounds it (:mod:`aispm.detect.secrets_context`: the client
call and its base URL, object keys, config sections).  Values are never returned in clear: each
:class:`~aispm.detect.base.Detection` carries offsets, the redacted form and a sha256
fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aispm.core.redact import fingerprint_secret, redact
from aispm.detect.assignments import (
    Assignment,
    find_assignments,
    name_words,
    provider_for_name,
    variable_before,
)
from aispm.detect.base import Detection
from aispm.detect.entropy import is_uuid, shannon_entropy
from aispm.detect.secret_rules import NameProvider, SecretPattern, SecretRules, secret_rules
from aispm.detect.secret_values import (
    is_credential_literal,
    is_placeholder,
    is_random,
    strip_prefix,
    url_password_ok,
)
from aispm.detect.secrets_context import surroundings, uses

_CREDENTIAL_WORD = re.compile(r"key|token|secret|passw|credential|auth")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
_ASSIGNMENT_ORDER = 1_000_000
"""Assignment detections lose ties against every provider pattern."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    type: str
    provider: str
    score: float
    order: int
    variable: str | None
    detection: str
    rule: str


def secret_type_label(secret_type: str) -> str:
    """Human label of a secret type (``openai_project_key`` -> ``OpenAI project API key``)."""
    return secret_rules().label_of(secret_type)


class SecretsDetector:
    """Finds credentials in text.  ``detect(text)`` returns one detection per secret value."""

    name = "secrets"

    def __init__(self, rules: SecretRules | None = None) -> None:
        self.rules = rules or secret_rules()
        patterns = self.rules.patterns
        # the prefilter's words, each searched at most once per text: keywords are case-sensitive,
        # context and file-context words are matched in the lowered text
        self._keywords = _guarded(w for p in patterns if not p.context for w in p.keywords)
        self._lower_words = _guarded(w for p in patterns for w in (*p.context, *p.file_context))
        self._prefilter = tuple(
            (p, frozenset(p.context), frozenset(p.keywords), frozenset(p.file_context)) for p in patterns
        )

    def detect(self, text: str, *, assignments: bool = True) -> list[Detection]:
        """All secrets in ``text`` in order of offset.

        ``assignments=False`` runs the provider patterns only (for lock files, whose integrity
        hashes would otherwise look like high-entropy assignments).
        """
        if not text:
            return []
        lowered = text.lower()
        candidates = self._pattern_candidates(text, lowered)
        if assignments:
            candidates.extend(self._assignment_candidates(text))
        return [self._detection(text, c) for c in _resolve(candidates)]

    # --- provider patterns -------------------------------------------------------------------

    def _pattern_candidates(self, text: str, lowered: str) -> list[_Candidate]:
        found: list[_Candidate] = []
        in_text = _present(self._keywords, text)
        in_lowered = _present(self._lower_words, lowered)
        for pattern, context, keywords, file_context in self._prefilter:
            if context:
                if in_lowered.isdisjoint(context):
                    continue
            elif in_text.isdisjoint(keywords):
                continue
            if file_context and in_lowered.isdisjoint(file_context):
                continue
            for match in self._matches(pattern, text, lowered):
                candidate = self._pattern_candidate(text, pattern, match)
                if candidate is not None:
                    found.append(candidate)
        return found

    @staticmethod
    def _matches(pattern: SecretPattern, text: str, lowered: str) -> Iterator[re.Match[str]]:
        """Matches of ``pattern``; a prefix-less format is only searched on the lines that
        name its provider (the context rule needs that anyway, and it is much faster)."""
        if not pattern.context or len(lowered) != len(text):
            yield from pattern.regex.finditer(text)
            return
        lines: set[int] = set()
        for word in pattern.context:
            at = lowered.find(word)
            while at >= 0:
                lines.add(text.rfind("\n", 0, at) + 1)
                at = lowered.find(word, at + len(word))
        for line_start in sorted(lines):
            line_end = text.find("\n", line_start)
            yield from pattern.regex.finditer(text, line_start, line_end if line_end >= 0 else len(text))

    def _pattern_candidate(
        self, text: str, pattern: SecretPattern, match: re.Match[str]
    ) -> _Candidate | None:
        start, end = match.span("secret") if pattern.secret_group else match.span()
        value = text[start:end]
        if not self._pattern_value_ok(pattern, value, match):
            return None
        anchor = match.start()
        if pattern.url_credentials:  # the URL starts at its scheme (``postgresql+psycopg://``)
            while anchor > 0 and (text[anchor - 1].isalnum() or text[anchor - 1] in "+.-"):
                anchor -= 1
        variable = variable_before(text, anchor)
        score = pattern.score
        if pattern.context:
            context_score = self._context_score(pattern, text, start, variable)
            if context_score is None:
                return None
            score = context_score
        return _Candidate(
            start, end, pattern.type, pattern.provider, score, pattern.order, variable, "pattern", pattern.id
        )

    def _pattern_value_ok(self, pattern: SecretPattern, value: str, match: re.Match[str]) -> bool:
        body = strip_prefix(value, pattern.prefixes)
        if is_placeholder(value, body, self.rules.placeholders):
            return False
        if pattern.min_entropy is not None and shannon_entropy(value) < pattern.min_entropy:
            return False
        if pattern.url_credentials:
            user, host = match.group("user"), match.group("host")
            return url_password_ok(value, user, host, self.rules.url_credentials, self.rules.placeholders)
        if pattern.random or (pattern.context and not (is_uuid(value) and is_uuid(match.group()))):
            # formats without a prefix, or whose characters also spell slugs, must still look
            # random (no words, enough entropy)
            return is_random(body, self.rules.assignment)
        return True

    @staticmethod
    def _context_score(pattern: SecretPattern, text: str, start: int, variable: str | None) -> float | None:
        """Score of a prefix-less format: full when its variable names the provider, a little
        less when only its line does (and also says key/token/secret), else no match."""
        if variable and any(word in variable.lower() for word in pattern.context):
            return pattern.score
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start : line_end if line_end >= 0 else len(text)].lower()
        if any(word in line for word in pattern.context) and _CREDENTIAL_WORD.search(line):
            return round(pattern.score - 0.1, 2)
        return None

    # --- assignments ---------------------------------------------------------------------------

    def _assignment_candidates(self, text: str) -> list[_Candidate]:
        rules = self.rules.assignment
        found: list[_Candidate] = []
        for assignment in find_assignments(text, rules):
            value = text[assignment.start : assignment.end]
            if not is_credential_literal(value, rules, self.rules.placeholders, quoted=assignment.quoted):
                continue
            words = name_words(assignment.name)
            named = self._named_provider(text, assignment, words)
            if named is not None:
                secret_type, provider, score = named.type, named.provider, rules.provider_score
            elif _PASSWORD_WORDS.intersection(words) or "password" in "".join(words):
                secret_type, provider, score = "password", "generic", rules.score
            else:
                secret_type, provider, score = "generic_api_key", "generic", rules.score
            found.append(
                _Candidate(
                    assignment.start,
                    assignment.end,
                    secret_type,
                    provider,
                    score,
                    _ASSIGNMENT_ORDER,
                    assignment.name,
                    "assignment",
                    "assignment",
                )
            )
        return found

    def _named_provider(self, text: str, assignment: Assignment, words: list[str]) -> NameProvider | None:
        """The provider of an assigned literal: named by its variable, else by the environment
        variable it is the fallback of, else by its surroundings (base URL of the enclosing client
        call, callee, object keys, sections).  A provider whose SDK speaks for many services
        (OpenAI-compatible APIs) yields to the base URL when the call sets one."""
        rules = self.rules.assignment
        named = provider_for_name(words, rules)
        if named is None and assignment.alias:
            named = provider_for_name(name_words(assignment.alias), rules)
        protocol = rules.context.protocol_providers
        if named is not None and named.provider not in protocol:
            return named
        around = surroundings(text, assignment.start, rules.context)
        if around.base_url_host:
            by_host = provider_for_name(name_words(around.base_url_host), rules)
            if by_host is not None:
                return by_host
        if named is not None:
            return None if around.base_url_set else named
        for name in around.names:
            by_name = provider_for_name(name_words(name), rules)
            if by_name is not None and not (by_name.provider in protocol and around.base_url_set):
                return by_name
        # the variable passed on to a client later: ``key = "…"`` … ``Mistral(api_key=key)``
        for use in uses(text, assignment.name, assignment.end, rules.context):
            at_use = surroundings(text, use, rules.context)
            if at_use.call is None:
                continue
            if at_use.base_url_host:
                by_host = provider_for_name(name_words(at_use.base_url_host), rules)
                if by_host is not None:
                    return by_host
            by_call = provider_for_name(name_words(at_use.call), rules)
            if by_call is not None and not (by_call.provider in protocol and at_use.base_url_set):
                return by_call
        return None

    # --- output --------------------------------------------------------------------------------

    def _detection(self, text: str, candidate: _Candidate) -> Detection:
        value = text[candidate.start : candidate.end]
        return Detection(
            detector=self.name,
            type=candidate.type,
            start=candidate.start,
            end=candidate.end,
            score=candidate.score,
            redacted=redact(value),
            attributes={
                "provider": candidate.provider,
                "variable": candidate.variable,
                "detection": candidate.detection,
                "rule": candidate.rule,
                "value_sha256": fingerprint_secret(value),
            },
        )


def _guarded(words: Iterable[str]) -> tuple[tuple[str, str | None], ...]:
    """The prefilter's words, each with a shorter word it contains (``sk-`` for ``sk-proj-``):
    when that one is absent from a text, so is the word, which is then not searched for."""
    unique = sorted(dict.fromkeys(words), key=len)
    return tuple((w, next((g for g in unique if len(g) < len(w) and g in w), None)) for w in unique)


def _present(words: tuple[tuple[str, str | None], ...], text: str) -> set[str]:
    """The words found in ``text`` (shorter words first, so a guard is known before its words)."""
    found: set[str] = set()
    for word, guard in words:
        if (guard is None or guard in found) and word in text:
            found.add(word)
    return found


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per group of overlapping spans: the highest score, then the most specific
    (earliest listed) pattern; a variable name found by any of them is kept."""
    candidates.sort(key=lambda c: (c.start, -c.end))
    result: list[_Candidate] = []
    group: list[_Candidate] = []
    group_end = -1
    for candidate in candidates:
        if group and candidate.start >= group_end:
            result.append(_best(group))
            group = []
        group.append(candidate)
        group_end = max(group_end, candidate.end) if len(group) > 1 else candidate.end
    if group:
        result.append(_best(group))
    return result


def _best(group: list[_Candidate]) -> _Candidate:
    best = min(group, key=lambda c: (-c.score, c.order, c.start))
    if best.variable is None:
        variable = next((c.variable for c in group if c.variable), None)
        if variable is not None:
            best = _Candidate(
                best.start,
                best.end,
                best.type,
                best.provider,
                best.score,
                best.order,
                variable,
                best.detection,
                best.rule,
            )
    return best
