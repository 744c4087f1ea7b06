"""Tests of candidate secret values: placeholders, randomness and shapes that are never secrets."""

from __future__ import annotations

import math
import re

from aispm.detect.entropy import entropy_threshold, is_sequential, is_uuid, is_wordlike, shannon_entropy
from aispm.detect.secret_rules import AssignmentRules, Placeholders, UrlCredentialRules

_FORBIDDEN_IN_LITERAL = re.compile(r"[\s$(){}\[\]<>%|\\\"'`]")
"""Characters of expressions, templates and references, not of credential literals."""
_HASH_PREFIX = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|h1)[-:]")
_LOWER_PATH = re.compile(r"[a-z0-9_.\-]*(?:/[a-z0-9_.\-]*)+")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z]{1,5}$")
_DIGITS = re.compile(r"[0-9]+")
_DOTTED_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
_URL_WORDS = re.compile(r"[.\-_]+")


def strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    """``value`` without the first of ``prefixes`` it starts with (longest prefixes first)."""
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def is_placeholder(value: str, body: str, rules: Placeholders) -> bool:
    """True for documentation examples and stand-ins: ``sk-...``, ``your-api-key-here``,
    ``<OPENAI_API_KEY>``, ``xxxx``, ``changeme``, ``${VAR}``, ``{{ secrets.X }}``, values of one
    repeated character or of consecutive characters, and the providers' published examples.

    ``body`` is the value without its well-known prefix (so ``sk_test_`` is no "test" marker).
    """
    if value in rules.known_examples:
        return True
    if any(mark in value for mark in rules.ellipsis):
        return True
    if len(body) <= rules.marker_max_length and any(mark in body for mark in rules.markers):
        return True
    if len(body) >= 8:
        if len(set(body)) < 5 or is_sequential(body):
            return True
        if shannon_entropy(body) < min(3.0, math.log2(len(body)) - 1.5):
            return True
    return False


def is_random(value: str, rules: AssignmentRules) -> bool:
    """Does ``value`` look machine-generated: not words and enough entropy for its alphabet?"""
    if is_wordlike(value):
        return False
    return shannon_entropy(value) >= entropy_threshold(value, rules.hex_bar, rules.other_bar)


def is_path_like(value: str) -> bool:
    if value.startswith(("/", "./", "../", "~/")):
        return True
    return "/" in value and (
        _LOWER_PATH.fullmatch(value) is not None or _FILE_SUFFIX.search(value) is not None
    )


def is_credential_literal(
    value: str, rules: AssignmentRules, placeholders: Placeholders, *, quoted: bool = True
) -> bool:
    """May ``value``, assigned to a credential-like name, be a hard-coded credential?

    Rejects references and expressions (``os.environ[...]``, ``${X}``, ``process.env.X``,
    ``settings.API_KEY``), placeholders, URLs and paths, UUIDs, numbers, hash strings
    (``sha512-…`` integrity values) and anything not random enough.
    """
    if not rules.min_length <= len(value) <= rules.max_length:
        return False
    if _FORBIDDEN_IN_LITERAL.search(value) or "://" in value:
        return False
    if not quoted and _DOTTED_NAME.fullmatch(value) and not value.startswith("eyJ"):
        return False  # ``pq.PQchangePassword``, ``settings.api_key``: a reference (JWTs excepted)
    if is_placeholder(value, value, placeholders):
        return False
    if _DIGITS.fullmatch(value) or is_uuid(value) or _HASH_PREFIX.match(value) or is_path_like(value):
        return False
    # a known key prefix (``sk-``, ``pa-`` …) is not part of the random body: "sk-" and 32 hex
    # digits is judged as 32 hex digits
    body = strip_prefix(value, rules.value_prefixes)
    if body != value and is_placeholder(value, body, placeholders):
        return False
    return is_random(body, rules)


def is_local_host(host: str, rules: UrlCredentialRules) -> bool:
    """Does ``host`` exist only on the developer's machine or inside a compose / cluster
    network: ``localhost``, loopback addresses, container-runtime names, reserved suffixes and
    single-label names (``db``, ``postgres``: compose services, short cluster service names)?"""
    name = host.lower()
    if name in rules.local_hosts or name.startswith("127.") or name.endswith(rules.local_suffixes):
        return True
    return "." not in name and ":" not in name


def url_password_ok(
    password: str, user: str, host: str, rules: UrlCredentialRules, placeholders: Placeholders
) -> bool:
    """Is ``password`` in ``scheme://user:password@host`` worth reporting?

    Stand-ins (``password``, ``changeme`` …) and examples (a user or host named ``example``,
    ``your-host`` …) never are.  On a shared host every other password is, however weak; on a
    local host (:func:`is_local_host`) only one that is not the user name, not a default of
    database images and tutorials, and long and random enough to be a real password.
    """
    lowered = password.lower()
    if lowered in rules.stand_in_passwords or is_placeholder(password, password, placeholders):
        return False
    words = set(_URL_WORDS.split(f"{user}.{host}".lower()))
    if not words.isdisjoint(rules.placeholder_words):
        return False
    if not is_local_host(host, rules):
        return True
    if lowered == user.lower() or lowered in rules.default_passwords:
        return False
    return len(password) >= rules.local_min_length and shannon_entropy(password) >= rules.local_min_entropy
