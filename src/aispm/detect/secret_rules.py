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
    boundary: bool = True


class _PlaceholderSpec(_Strict):
    markers: tuple[str, ...]
    ellipsis: tuple[str, ...]
    known_examples: tuple[str, ...]
    weak_url_passwords: tuple[str, ...]
    marker_max_length: int


class _EntropyBar(_Strict):
    cap: float
    slack: float


class _NameProviderSpec(_Strict):
    keywords: tuple[str, ...]
    type: str = "generic_api_key"
    provider: str | None = None
    requires: tuple[str, ...] = ()


class _AssignmentSpec(_Strict):
    min_length: int
    max_length: int
    hex_entropy: _EntropyBar
    other_entropy: _EntropyBar
    score: float
    provider_score: float
    name_words: tuple[str, ...]
    name_compounds: tuple[str, ...]
    name_pairs: tuple[tuple[str, str], ...]
    excluded_words: tuple[str, ...]
    name_providers: tuple[_NameProviderSpec, ...]


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
    secret_group: bool
    """The regex has a ``secret`` group narrowing the reported span."""
    user_group: bool


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
    weak_url_passwords: frozenset[str]
    marker_max_length: int


@dataclass(frozen=True, slots=True)
class AssignmentRules:
    min_length: int
    max_length: int
    hex_bar: tuple[float, float]
    other_bar: tuple[float, float]
    score: float
    provider_score: float
    name_words: frozenset[str]
    name_compounds: tuple[str, ...]
    name_pairs: frozenset[tuple[str, str]]
    excluded_words: frozenset[str]
    name_providers: tuple[NameProvider, ...]


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
        secret_group="secret" in regex.groupindex,
        user_group="user" in regex.groupindex,
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
    asg = spec.assignment
    fs = spec.files
    return SecretRules(
        types={name: (t.provider, t.label) for name, t in types.items()},
        patterns=tuple(_compile_pattern(p, i, types) for i, p in enumerate(spec.patterns)),
        placeholders=Placeholders(
            markers=tuple(dict.fromkeys(v for m in ph.markers for v in (m, m.upper(), m.title()))),
            ellipsis=ph.ellipsis,
            known_examples=frozenset(ph.known_examples),
            weak_url_passwords=frozenset(w.lower() for w in ph.weak_url_passwords),
            marker_max_length=ph.marker_max_length,
        ),
        assignment=AssignmentRules(
            min_length=asg.min_length,
            max_length=asg.max_length,
            hex_bar=(asg.hex_entropy.cap, asg.hex_entropy.slack),
            other_bar=(asg.other_entropy.cap, asg.other_entropy.slack),
            score=asg.score,
            provider_score=asg.provider_score,
            name_words=frozenset(asg.name_words),
            name_compounds=asg.name_compounds,
            name_pairs=frozenset(asg.name_pairs),
            excluded_words=frozenset(asg.excluded_words),
            name_providers=tuple(_name_provider(p, types) for p in asg.name_providers),
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


@cache
def secret_rules() -> SecretRules:
    """The shipped rules (parsed and compiled on first use, then shared)."""
    return build_rules(load_yaml("secret_patterns.yaml"))
