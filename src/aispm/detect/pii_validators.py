"""Check algorithms for PII candidates: a regex match is PII only when its checksum holds."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import cache

from aispm.data import load_yaml

_NON_DIGIT = re.compile(r"\D")
# issuer (IIN) prefixes and lengths of the major card networks
_CARD_RANGES: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (4, 4, (13, 16, 19)),  # Visa
    (51, 55, (16,)),  # Mastercard
    (2221, 2720, (16,)),  # Mastercard 2-series
    (34, 34, (15,)),  # American Express
    (37, 37, (15,)),
    (6011, 6011, (16, 19)),  # Discover
    (644, 649, (16, 19)),
    (65, 65, (16, 19)),
    (3528, 3589, (16, 19)),  # JCB
    (300, 305, (14, 16, 19)),  # Diners Club
    (36, 36, (14, 16, 19)),
    (38, 39, (16, 19)),
    (62, 62, (16, 17, 18, 19)),  # UnionPay
)


def luhn(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def credit_card(value: str) -> bool:
    """Luhn-valid, of a known network's IIN range and length, not one repeated digit."""
    digits = _NON_DIGIT.sub("", value)
    if len(set(digits)) < 3 or not luhn(digits):
        return False
    for low, high, lengths in _CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


@cache
def _iban_lengths() -> dict[str, int]:
    return {str(k): int(v) for k, v in load_yaml("pii_iban_lengths.yaml").items()}


def iban(value: str) -> bool:
    """Country length from the registry and the ISO 7064 mod-97 check."""
    compact = value.replace(" ", "").upper()
    if _iban_lengths().get(compact[:2]) != len(compact):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def us_ssn(value: str) -> bool:
    """Area not 000, 666 or 9xx; group not 00; serial not 0000; not a well-known sample."""
    digits = _NON_DIGIT.sub("", value)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in ("078051120", "219099999", "123456789")


def email(value: str) -> bool:
    """A local part without leading/trailing/double dots."""
    local = value.split("@", 1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


def phone(value: str) -> bool:
    """E.164-sized (8 to 15 digits; 10+ without a + country code), not a date, not one digit repeated."""
    digits = _NON_DIGIT.sub("", value)
    plus = value.lstrip().startswith("+")
    if not (8 if plus else 10) <= len(digits) <= 15 or len(set(digits)) < 3:
        return False
    groups = re.split(r"[ .\-()]+", value.strip().lstrip("+"))
    # 2024-01-15, 12.05.2023 look like phone numbers to the regex but are dates
    return not (
        len(groups) == 3 and any(len(g) == 4 and g[:2] in ("19", "20") for g in (groups[0], groups[-1]))
    )


def ipv4(value: str) -> bool:
    """A valid public-or-private address, not a version-like 1.2.3.4 with tiny octets only."""
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return not address.is_unspecified and not all(int(o) < 10 for o in value.split("."))


def ipv6(value: str) -> bool:
    """A valid IPv6 address with at least three groups."""
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return value.count(":") >= 3


def uk_nino(value: str) -> bool:
    """UK National Insurance number: prefixes BG, GB, NK, KN, TN, NT, ZZ are never issued."""
    compact = value.replace(" ", "").upper()
    return compact[:2] not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def de_tax_id(value: str) -> bool:
    """German Steuer-ID: 11 digits, no leading 0, one digit twice or thrice, ISO 7064 mod 11,10."""
    digits = _NON_DIGIT.sub("", value)
    if len(digits) != 11 or digits[0] == "0":
        return False
    counts = sorted((digits[:10].count(d) for d in set(digits[:10])), reverse=True)
    if counts[0] not in (2, 3) or (counts[0] == 3 and counts[1] > 1) or (counts[0] == 2 and counts[1] > 1):
        return False
    product = 10
    for ch in digits[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    return check == int(digits[10])


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "credit_card": credit_card,
    "iban": iban,
    "us_ssn": us_ssn,
    "email": email,
    "phone": phone,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "uk_nino": uk_nino,
    "de_tax_id": de_tax_id,
}
