"""OSV records: parsing, severity and the per-package question."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aispm.advisories.cvss import cvss3_base_score, severity_for_score
from aispm.advisories.osv import MalformedRecord, parse_record
from aispm.core.model import Severity

FIXTURES = Path(__file__).parent.parent / "fixtures" / "advisories"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_github_advisory_is_read_with_severity_fix_and_url() -> None:
    advisory = parse_record(fixture("GHSA-aisp-tr4n-0001.json"))
    assert advisory is not None
    assert advisory.severity is Severity.HIGH
    assert advisory.aliases == ("CVE-2099-10001",)
    assert advisory.affects("PyPI", "transformers", "4.30.0")
    assert advisory.affects("PyPI", "Transformers", "4.35.2")  # names are normalised
    assert not advisory.affects("PyPI", "transformers", "4.36.0")
    assert not advisory.affects("npm", "transformers", "4.30.0")
    assert advisory.to_json("PyPI", "transformers") == {
        "id": "GHSA-aisp-tr4n-0001",
        "aliases": ["CVE-2099-10001"],
        "summary": "Deserialization of untrusted data in transformers checkpoint loading",
        "severity": "high",
        "fixed": ["4.36.0"],
        "url": "https://github.com/advisories/GHSA-aisp-tr4n-0001",
    }


def test_severity_from_cvss_vector_and_for_malicious_packages() -> None:
    torch = parse_record(fixture("GHSA-aisp-t0rc-0002.json"))
    assert torch is not None and torch.severity is Severity.CRITICAL
    assert torch.url == "https://osv.dev/vulnerability/GHSA-aisp-t0rc-0002"
    mal = parse_record(fixture("MAL-2099-0005.json"))
    assert mal is not None and mal.severity is Severity.CRITICAL
    assert mal.affects("npm", "langchian", "1.0.1")
    assert not mal.affects("npm", "langchian", "1.0.2")


def test_summary_falls_back_to_details_and_unknown_severity_is_none() -> None:
    pysec = parse_record(fixture("PYSEC-2099-101.json"))
    assert pysec is not None
    assert pysec.summary == "transformers before 4.36.0 deserializes untrusted checkpoint data."
    assert pysec.severity is None


def test_withdrawn_record_is_dropped() -> None:
    assert parse_record(fixture("GHSA-aisp-w1th-0006.json")) is None


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N", 6.5),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ],
)
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


def test_cvss_bad_vectors_and_bands() -> None:
    assert cvss3_base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") is None
    assert cvss3_base_score("CVSS:3.1/AV:X/AC:L") is None
    assert severity_for_score(0.0) is Severity.INFO
    assert severity_for_score(3.9) is Severity.LOW
    assert severity_for_score(4.0) is Severity.MEDIUM
    assert severity_for_score(8.9) is Severity.HIGH
    assert severity_for_score(9.0) is Severity.CRITICAL


def test_versions_list_is_the_fallback_for_unorderable_ranges() -> None:
    record = {
        "id": "TEST-1",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "odd-pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not-a-version"}]}
                ],
                "versions": ["custom-build-7"],
            }
        ],
    }
    advisory = parse_record(record)
    assert advisory is not None
    assert advisory.affects("PyPI", "odd-pkg", "custom-build-7")
    assert not advisory.affects("PyPI", "odd-pkg", "1.0")  # the range cannot be ordered


def test_git_ranges_are_never_matched() -> None:
    record = {
        "id": "TEST-2",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "0"}]}],
            }
        ],
    }
    advisory = parse_record(record)
    assert advisory is not None and not advisory.affects("PyPI", "x", "1.0")


@pytest.mark.parametrize(
    "record",
    [
        [],
        {"summary": "no id"},
        {"id": "X", "affected": "torch"},
        {"id": "X", "affected": [{"package": {"name": "torch"}}]},
        {"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "t"}, "ranges": [{"type": "X"}]}]},
    ],
)
def test_malformed_records_raise(record: Any) -> None:
    with pytest.raises(MalformedRecord):
        parse_record(record)
