"""The secret-detection rules of ``data/secret_patterns.yaml``, validated and compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from aispm.data import load_yaml

TOKEN_START = r"(?:(?<![A-Za-z0-9_+/\-])|(?<=\\[nrt]))"
"""A secret token starts after a non-token character or a JSON escape such as ``\\n``."""
TOKEN_END = r"(?![A-Za-z0-9_\-])"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _TypeSpec(_Strict):
    provider: str
    label: str


class _PatternSpec(_Strict):
    id: str
    type: str
    regex: str
    score: float = Field(ge=0, le=1)
    keywords: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    file_context: tuple[str, ...] = ()
    min_entropy: float | None = None
    random: bool = False
    boundary: bool = True


class _PlaceholderSpec(_Strict):
    markers: tuple[str, ...]
    ellipsis: tuple[str, ...]
    known_examples: tuple[str, ...]
    marker_max_length: int


class _UrlCredentialSpec(_Strict):
    stand_in_passwords: tuple[str, ...]
    placeholder_words: tuple[str, ...]
    default_passwords: tuple[str, ...]
    local_hosts: tuple[str, ...]
    local_suffixes: tuple[str, ...]
    local_min_length: int
    local_min_entropy: float


class _EntropyBar(_Strict):
    cap: float
    slack: float


class _NameProviderSpec(_Strict):
    keywords: tuple[str, ...]
    type: str = "generic_api_key"
    provider: str | None = None
    requires: tuple[str, ...] = ()


class _ContextSpec(_Strict):
    max_back: int
    max_levels: int
    max_call: int
    max_uses: int
    max_use_distance: int
    base_url_names: tuple[str, ...]
    protocol_providers: tuple[str, ...]


class _AssignmentSpec(_Strict):
    min_length: int
    max_length: int
    hex_entropy: _EntropyBar
    other_entropy: _EntropyBar
    score: float
    provider_score: float
    value_prefixes: tuple[str, ...]
    name_words: tuple[str, ...]
    name_compounds: tuple[str, ...]
    name_pairs: tuple[tuple[str, str], ...]
    excluded_words: tuple[str, ...]
    name_providers: tuple[_NameProviderSpec, ...]
    context: _ContextSpec


class _FileSpec(_Strict):
    text_suffixes: tuple[str, ...]
    text_names: tuple[str, ...]
    text_name_prefixes: tuple[str, ...]
    binary_suffixes: tuple[str, ...]
    lock_names: tuple[str, ...]
    lock_suffixes: tuple[str, ...]
    sniff_suffixes: tuple[str, ...]
    languages: dict[str, str]
    name_languages: dict[str, str]


class _RulesSpec(_Strict):
    types: dict[str, _TypeSpec]
    patterns: tuple[_PatternSpec, ...]
    placeholders: _PlaceholderSpec
    url_credentials: _UrlCredentialSpec
    assignment: _AssignmentSpec
    files: _FileSpec


@dataclass(frozen=True, slots=True)
class SecretPattern:
    """One provider-specific format, compiled."""

    id: str
    type: str
    provider: str
    regex: re.Pattern[str]
    score: float
    order: int
    """Position in the data file: of two equally scored matches the earlier pattern wins."""
    keywords: tuple[str, ...]
    prefixes: tuple[str, ...]
    context: tuple[str, ...]
    file_context: tuple[str, ...]
    min_entropy: float | None
    random: bool
    """The body (without prefix) must look machine-generated, not like words (``pa-1-protect-…``)."""
    secret_group: bool
    """The regex has a ``secret`` group narrowing the reported span."""
    url_credentials: bool
    """The regex has ``user`` and ``host`` groups: a password in a URL, judged with its host."""


@dataclass(frozen=True, slots=True)
class NameProvider:
    keywords: tuple[str, ...]
    type: str
    provider: str
    requires: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Placeholders:
    markers: tuple[str, ...]
    """Each marker in lower, UPPER and Title case."""
    ellipsis: tuple[str, ...]
    known_examples: frozenset[str]
    marker_max_length: int


@dataclass(frozen=True, slots=True)
class UrlCredentialRules:
    """How a password in a connection URL is judged (all words lower case)."""

    stand_in_passwords: frozenset[str]
    placeholder_words: frozenset[str]
    default_passwords: frozenset[str]
    local_hosts: frozenset[str]
    local_suffixes: tuple[str, ...]
    local_min_length: int
    local_min_entropy: float


@dataclass(frozen=True, slots=True)
class ContextRules:
    """Where the assignment detector looks for a provider around a literal."""

    max_back: int
    max_levels: int
    max_call: int
    max_uses: int
    max_use_distance: int
    base_url_names: frozenset[str]
    protocol_providers: frozenset[str]


@dataclass(frozen=True, slots=True)
class AssignmentRules:
    min_length: int
    max_length: int
    hex_bar: tuple[float, float]
    other_bar: tuple[float, float]
    score: float
    provider_score: float
    value_prefixes: tuple[str, ...]
    """Key prefixes stripped before a value's randomness is judged, longest first."""
    name_words: frozenset[str]
    name_compounds: tuple[str, ...]
    name_pairs: frozenset[tuple[str, str]]
    excluded_words: frozenset[str]
    name_providers: tuple[NameProvider, ...]
    provider_words: dict[str, tuple[int, ...]]
    """Keyword -> the indexes of the ``name_providers`` entries it belongs to (whole words)."""
    provider_parts: tuple[tuple[str, int], ...]
    """(keyword, entry index) of the keywords of 5+ letters, which also match inside words."""
    context: ContextRules


@dataclass(frozen=True, slots=True)
class FileRules:
    text_suffixes: frozenset[str]
    text_names: frozenset[str]
    text_name_prefixes: tuple[str, ...]
    binary_suffixes: frozenset[str]
    lock_names: frozenset[str]
    lock_suffixes: frozenset[str]
    sniff_suffixes: frozenset[str]
    languages: dict[str, str]
    name_languages: dict[str, str]


@dataclass(frozen=True, slots=True)
class SecretRules:
    types: dict[str, tuple[str, str]]
    """type -> (provider, label)."""
    patterns: tuple[SecretPattern, ...]
    placeholders: Placeholders
    url_credentials: UrlCredentialRules
    assignment: AssignmentRules
    files: FileRules

    def provider_of(self, secret_type: str) -> str:
        return self.types.get(secret_type, ("generic", ""))[0]

    def label_of(self, secret_type: str) -> str:
        return self.types.get(secret_type, ("", "Secret"))[1]


def _compile_pattern(spec: _PatternSpec, order: int, types: dict[str, _TypeSpec]) -> SecretPattern:
    if spec.type not in types:
        raise ValueError(f"secret pattern {spec.id}: unknown type {spec.type!r}")
    if not spec.keywords and not spec.context:
        raise ValueError(f"secret pattern {spec.id}: needs keywords or context for the prefilter")
    source = f"{TOKEN_START}(?:{spec.regex}){TOKEN_END}" if spec.boundary else spec.regex
    regex = re.compile(source)
    return SecretPattern(
        id=spec.id,
        type=spec.type,
        provider=types[spec.type].provider,
        regex=regex,
        score=spec.score,
        order=order,
        keywords=spec.keywords,
        prefixes=tuple(sorted(spec.prefixes, key=len, reverse=True)),
        context=tuple(c.lower() for c in spec.context),
        file_context=tuple(c.lower() for c in spec.file_context),
        min_entropy=spec.min_entropy,
        random=spec.random,
        secret_group="secret" in regex.groupindex,
        url_credentials={"user", "host"} <= regex.groupindex.keys(),
    )


def _name_provider(spec: _NameProviderSpec, types: dict[str, _TypeSpec]) -> NameProvider:
    if spec.type not in types:
        raise ValueError(f"name provider {spec.keywords}: unknown type {spec.type!r}")
    provider = spec.provider or types[spec.type].provider
    return NameProvider(spec.keywords, spec.type, provider, spec.requires)


def build_rules(data: object) -> SecretRules:
    """Validate and compile the parsed YAML (raises ``ValueError`` on a broken data file)."""
    spec = _RulesSpec.model_validate(data)
    types = spec.types
    ph = spec.placeholders
    url = spec.url_credentials
    asg = spec.assignment
    ctx = asg.context
    fs = spec.files
    patterns = tuple(_compile_pattern(p, i, types) for i, p in enumerate(spec.patterns))
    name_providers = tuple(_name_provider(p, types) for p in asg.name_providers)
    prefixes = {*asg.value_prefixes, *(prefix for p in patterns for prefix in p.prefixes)}
    return SecretRules(
        types={name: (t.provider, t.label) for name, t in types.items()},
        patterns=patterns,
        placeholders=Placeholders(
            markers=tuple(dict.fromkeys(v for m in ph.markers for v in (m, m.upper(), m.title()))),
            ellipsis=ph.ellipsis,
            known_examples=frozenset(ph.known_examples),
            marker_max_length=ph.marker_max_length,
        ),
        url_credentials=UrlCredentialRules(
            stand_in_passwords=_lowered(url.stand_in_passwords),
            placeholder_words=_lowered(url.placeholder_words),
            default_passwords=_lowered(url.default_passwords),
            local_hosts=_lowered(url.local_hosts),
            local_suffixes=tuple(s.lower() for s in url.local_suffixes),
            local_min_length=url.local_min_length,
            local_min_entropy=url.local_min_entropy,
        ),
        assignment=AssignmentRules(
            min_length=asg.min_length,
            max_length=asg.max_length,
            hex_bar=(asg.hex_entropy.cap, asg.hex_entropy.slack),
            other_bar=(asg.other_entropy.cap, asg.other_entropy.slack),
            score=asg.score,
            provider_score=asg.provider_score,
            value_prefixes=tuple(sorted(prefixes, key=lambda p: (-len(p), p))),
            name_words=frozenset(asg.name_words),
            name_compounds=asg.name_compounds,
            name_pairs=frozenset(asg.name_pairs),
            excluded_words=frozenset(asg.excluded_words),
            name_providers=name_providers,
            provider_words=_keyword_index(name_providers),
            provider_parts=tuple(
                (k, i) for i, p in enumerate(name_providers) for k in p.keywords if len(k) >= 5
            ),
            context=ContextRules(
                max_back=ctx.max_back,
                max_levels=ctx.max_levels,
                max_call=ctx.max_call,
                max_uses=ctx.max_uses,
                max_use_distance=ctx.max_use_distance,
                base_url_names=_lowered(ctx.base_url_names),
                protocol_providers=_lowered(ctx.protocol_providers),
            ),
        ),
        files=FileRules(
            text_suffixes=frozenset(fs.text_suffixes),
            text_names=frozenset(fs.text_names),
            text_name_prefixes=fs.text_name_prefixes,
            binary_suffixes=frozenset(fs.binary_suffixes),
            lock_names=frozenset(fs.lock_names),
            lock_suffixes=frozenset(fs.lock_suffixes),
            sniff_suffixes=frozenset(fs.sniff_suffixes),
            languages=fs.languages,
            name_languages=fs.name_languages,
        ),
    )


def _keyword_index(entries: tuple[NameProvider, ...]) -> dict[str, tuple[int, ...]]:
    """Keyword -> indexes of the entries listing it, in order."""
    index: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        for keyword in entry.keywords:
            index.setdefault(keyword, []).append(i)
    return {keyword: tuple(found) for keyword, found in index.items()}


def _lowered(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


@cache
def secret_rules() -> SecretRules:
    """The shipped rules (parsed and compiled on first use, then shared)."""
    return build_rules(load_yaml("secret_patterns.yaml"))
