"""Obfuscation normalisation: the views of a text that injection detection looks at.

Attackers hide instructions from naive matching with invisible characters, homoglyphs, tag
characters, leetspeak, character spacing and encodings.  :func:`views` returns the canonical
form of a text (what the classifier and the rules read) and, only when the text shows signs of
obfuscation, extra decoded views: the ASCII hidden in Unicode tag characters, base64 and hex
blobs decoded, ROT13 and reversed text when the text asks for it, leetspeak folded, spaced-out
letters joined.  Every step is a precompiled regex or a table lookup; plain ASCII text takes a
fast path.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from aispm.data import load_yaml

_MAX_BLOBS = 8
_MIN_PRINTABLE = 0.85


@dataclass(frozen=True, slots=True)
class View:
    """One reading of a text: ``kind`` is ``canonical`` or the decoding that produced it."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class _Tables:
    strip: re.Pattern[str]
    split_word: re.Pattern[str]
    tags: re.Pattern[str]
    confusable_word: re.Pattern[str]
    confusables: dict[int, str]
    leet: dict[int, str]


def _char_class(ranges: list[list[int]]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


@cache
def _tables() -> _Tables:
    uni = load_yaml("detect_unicode.yaml")
    conf = load_yaml("detect_confusables.yaml")
    lo, hi = uni["tags"]
    confusables = {ord(k): str(v) for k, v in conf["confusables"].items()}
    lookalikes = "".join(re.escape(chr(c)) for c in confusables)
    return _Tables(
        strip=re.compile(f"[{_char_class(uni['invisible'] + uni['bidi'])}\\U{lo:08x}-\\U{hi:08x}]"),
        # invisible or bidi characters inside a Latin word (ZWNJ between Indic or Arabic letters
        # is ordinary spelling)
        split_word=re.compile(f"[a-zA-Z][{_char_class(uni['invisible'] + uni['bidi'])}]+[a-zA-Z]"),
        tags=re.compile(f"[\\U{lo:08x}-\\U{hi:08x}]+"),
        # a word mixing ASCII letters with look-alikes (ign + Cyrillic o + re): genuine Cyrillic or Greek
        # words have no ASCII letters and are left alone
        confusable_word=re.compile(f"(?=\\w*[a-zA-Z])(?=\\w*[{lookalikes}])\\w+"),
        confusables=confusables,
        leet={ord(k): str(v) for k, v in conf["leet"].items()},
    )


_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :]?){12,}(?![0-9A-Fa-f])")
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$!|]*[a-z])[a-z]*[0-9@$!|]+[a-z][a-z0-9@$!|]*\b")
_SPACED = re.compile(r"\b(?:\w[ .\-_*]){4,}\w\b")
_SPACE_SEP = re.compile(r"[ .\-_*]")
_ASKS_ROT13 = re.compile(r"rot[\s-]?13|caesar|\bcipher")
_ASKS_REVERSE = re.compile(r"backwards?|reversed?|right to left")


def hidden_tag_text(text: str) -> str:
    """The ASCII spelled by Unicode tag characters (U+E0020..U+E007E) in ``text``."""
    found = _tables().tags.findall(text)
    return " ".join(
        "".join(chr(ord(c) - 0xE0000) for c in run if 0xE0020 <= ord(c) <= 0xE007E) for run in found
    )


def canonical(text: str) -> str:
    """NFKC, invisible/bidi/tag characters removed, homoglyphs in Latin words folded, lower case."""
    if text.isascii():
        return text.lower()
    tables = _tables()
    folded = tables.strip.sub("", unicodedata.normalize("NFKC", text))
    folded = tables.confusable_word.sub(lambda m: m.group().translate(tables.confusables), folded)
    return folded.lower()


def _printable_ratio(decoded: str) -> float:
    if not decoded:
        return 0.0
    good = sum(1 for c in decoded if c.isprintable() or c in "\n\r\t")
    return good / len(decoded)


def _decode_base64(blob: str) -> str | None:
    body = blob.rstrip("=")
    if len(body) < 20 or body.isalpha() or body.isdigit():
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded if _printable_ratio(decoded) >= _MIN_PRINTABLE and " " in decoded else None


def _decode_hex(blob: str) -> str | None:
    digits = re.sub(r"[ :]", "", blob)
    if len(digits) % 2:
        return None
    try:
        decoded = bytes.fromhex(digits).decode("utf-8")
    except ValueError:
        return None
    return decoded if _printable_ratio(decoded) >= _MIN_PRINTABLE and " " in decoded else None


def decoded_blobs(text: str) -> list[str]:
    """Readable text hidden in base64 or hex blobs of ``text`` (at most a few)."""
    found: list[str] = []
    for regex, decode in ((_BASE64, _decode_base64), (_HEX, _decode_hex)):
        for match in regex.finditer(text):
            decoded = decode(match.group())
            if decoded:
                found.append(decoded)
                if len(found) >= _MAX_BLOBS:
                    return found
    return found


def views(text: str) -> list[View]:
    """The canonical view of ``text`` first, then the decoded views its obfuscation calls for."""
    canon = canonical(text)
    out = [View("canonical", canon)]
    if not text.isascii():
        hidden = hidden_tag_text(text)
        if hidden.strip():
            out.append(View("unicode_tags", canonical(hidden)))
    for decoded in decoded_blobs(text):
        out.append(View("encoded", canonical(decoded)))
    if _ASKS_ROT13.search(canon):
        out.append(View("rot13", codecs.encode(canon, "rot13")))
    if _ASKS_REVERSE.search(canon):
        out.append(View("reversed", canon[::-1]))
    leet_words = _LEET_WORD.findall(canon)
    if len(leet_words) >= 2:
        out.append(View("leetspeak", canon.translate(_tables().leet)))
    if _SPACED.search(canon):
        joined = _SPACED.sub(lambda m: _SPACE_SEP.sub("", m.group()), canon)
        out.append(View("spaced", joined))
    return out


def obfuscation_signals(text: str) -> list[str]:
    """Signs that ``text`` hides something: ``invisible``, ``homoglyph``, ``unicode_tags``."""
    if text.isascii():
        return []
    tables = _tables()
    signals: list[str] = []
    if tables.tags.search(text):
        signals.append("unicode_tags")
    if tables.split_word.search(text):
        signals.append("invisible")
    if tables.confusable_word.search(unicodedata.normalize("NFKC", tables.strip.sub("", text))):
        signals.append("homoglyph")
    return signals
