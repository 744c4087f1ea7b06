"""Version ordering and OSV range semantics."""

from __future__ import annotations

import pytest

from aispm.advisories.versions import BadVersion, Event, SemVer, in_range, pypi_key, semver_key


def ev(*pairs: tuple[str, str]) -> list[Event]:
    return [Event(kind, version) for kind, version in pairs]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0", "1.0.1"),
        ("1.9.0", "1.10.0"),
        ("1.0.0-alpha", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.0.0-rc.1", "1.0.0"),
        ("0.1.36", "0.2.0"),
    ],
)
def test_semver_order(lower: str, higher: str) -> None:
    assert SemVer.parse(lower) < SemVer.parse(higher)
    assert not SemVer.parse(higher) < SemVer.parse(lower)


def test_semver_ignores_build_metadata_and_reads_partial_versions() -> None:
    assert SemVer.parse("1.2.3+build.5") == SemVer.parse("1.2.3")
    assert SemVer.parse("v1.2") == SemVer.parse("1.2.0")
    with pytest.raises(BadVersion):
        SemVer.parse("latest")


def test_fixed_is_exclusive_and_introduced_zero_is_the_beginning() -> None:
    events = ev(("introduced", "0"), ("fixed", "2.6.0"))
    assert in_range("2.0.1", events, pypi_key)
    assert in_range("0.0.1", events, pypi_key)
    assert not in_range("2.6.0", events, pypi_key)
    assert not in_range("2.6.1", events, pypi_key)


def test_last_affected_is_inclusive() -> None:
    events = ev(("introduced", "1.0.0"), ("last_affected", "1.4.0"))
    assert in_range("1.4.0", events, semver_key)
    assert not in_range("1.4.1", events, semver_key)
    assert not in_range("0.9.0", events, semver_key)


def test_pre_releases_sit_before_their_release() -> None:
    assert in_range("2.6.0rc1", ev(("introduced", "0"), ("fixed", "2.6.0")), pypi_key)
    assert in_range("0.2.0-beta.1", ev(("introduced", "0"), ("fixed", "0.2.0")), semver_key)
    assert not in_range("0.2.0", ev(("introduced", "0"), ("fixed", "0.2.0")), semver_key)


def test_several_intervals_in_one_range_whatever_the_event_order() -> None:
    events = ev(("fixed", "2.5.0"), ("introduced", "1.0.0"), ("introduced", "2.0.0"), ("fixed", "1.5.0"))
    assert in_range("1.2.0", events, semver_key)
    assert not in_range("1.7.0", events, semver_key)
    assert in_range("2.4.9", events, semver_key)
    assert not in_range("2.5.0", events, semver_key)
    assert not in_range("0.5.0", events, semver_key)


def test_introduced_without_fix_affects_everything_after() -> None:
    assert in_range("99.0", ev(("introduced", "3.0")), pypi_key)
    assert not in_range("2.9", ev(("introduced", "3.0")), pypi_key)


def test_pep440_ordering_differs_from_text_ordering() -> None:
    events = ev(("introduced", "0"), ("fixed", "4.36.0"))
    assert in_range("4.4.0", events, pypi_key)  # "4.4.0" > "4.36.0" as text, not as a version
    assert not in_range("4.36.0.post1", events, pypi_key)


def test_unorderable_versions_raise() -> None:
    with pytest.raises(BadVersion):
        in_range("not a version", ev(("introduced", "0"), ("fixed", "1.0")), pypi_key)
