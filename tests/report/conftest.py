"""A hand-built scan that exercises every part of the reports."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aispm.core.model import (
    Asset,
    AssetKind,
    Finding,
    Inventory,
    Location,
    RelationKind,
    RuleMeta,
    ScanResult,
    Severity,
)

REPO = "urn:aispm:code:repository:github.com/acme/app"
FILE = "urn:aispm:code:source_file:github.com/acme/app:src/agent.py"
SECRET = "urn:aispm:secret:secret:openai:0123456789abcdef"
MODEL = "urn:aispm:model:model:openai:gpt-4o"
BUCKET = "urn:aispm:cloud:dataset:s3://acme-training"
XSS = "<script>alert(1)</script>"


def _rules() -> dict[str, RuleMeta]:
    rules = [
        RuleMeta(
            id="AISPM-SEC-001",
            title="Hard-coded AI provider API key",
            severity=Severity.CRITICAL,
            rationale="A key in source code is readable by anyone with the repository.",
            remediation="Revoke the key and load it from a secret manager.",
            owasp_llm=("LLM02:2025",),
            mitre_atlas=("AML.T0055",),
            references=(
                "CWE-798",
                "https://owasp.org/www-project-top-10-for-large-language-model-applications/",
            ),
            asset_kinds=(AssetKind.SECRET,),
            tags=("secrets",),
        ),
        RuleMeta(
            id="AISPM-CODE-002",
            title="LLM output reaches eval",
            severity=Severity.HIGH,
            rationale="Model output is attacker-influenced.",
            remediation="Never evaluate model output.",
            owasp_llm=("LLM05:2025",),
            references=("javascript:alert(1)",),
        ),
        RuleMeta(
            id="AISPM-MODEL-003",
            title="Model not on the approved list",
            severity=Severity.LOW,
            rationale="Unapproved models bypass review.",
            remediation="Add the model to the policy or stop using it.",
        ),
        RuleMeta(
            id="AISPM-DATA-004",
            title="Training bucket is public",
            severity=Severity.MEDIUM,
            rationale="Anyone can read or poison the data.",
            remediation="Block public access.",
            mitre_atlas=("AML.T0020",),
        ),
    ]
    return {r.id: r for r in rules}


def make_result(*, suppress: bool = True, target: str = "/home/dev/acme app") -> ScanResult:
    inv = Inventory()
    inv.add(Asset(REPO, AssetKind.REPOSITORY, "acme/app", "local", properties={"root_name": "app"}))
    inv.add(
        Asset(
            FILE,
            AssetKind.SOURCE_FILE,
            "src/agent.py",
            "local",
            location=Location(path="src/agent.py"),
            properties={"language": "python", "calls": [{"function": "eval", "line": 30}]},
        )
    )
    inv.add(
        Asset(
            SECRET,
            AssetKind.SECRET,
            "OPENAI_API_KEY",
            "openai",
            location=Location(path="src/my config.py", line=3),
            properties={"secret_type": "openai_api_key", "redacted": "sk-proj-…wxyz"},
        )
    )
    inv.add(Asset(MODEL, AssetKind.MODEL, XSS, "openai", properties={"model": "gpt-4o", "note": XSS}))
    inv.add(
        Asset(BUCKET, AssetKind.DATASET, "acme-training", "aws", location=Location(uri="s3://acme-training"))
    )
    inv.relate(REPO, RelationKind.CONTAINS, FILE)
    inv.relate(FILE, RelationKind.CONTAINS, SECRET)
    inv.relate(FILE, RelationKind.INVOKES, MODEL)
    inv.warn("code", "could not parse notebook", Location(path="nb/broken.ipynb"))
    inv.warn("code", f"binary file skipped {XSS}")
    inv.warn("aws", "access denied", Location(uri="arn:aws:s3:::other"))

    findings = (
        Finding(
            "AISPM-MODEL-003",
            MODEL,
            Severity.LOW,
            f"Model {XSS} is not approved",
            location=Location(path="src/agent.py", line=12),
        ),
        Finding(
            "AISPM-SEC-001",
            SECRET,
            Severity.CRITICAL,
            "OpenAI key sk-proj-…wxyz in source",
            location=Location(path="src/my config.py", line=3),
            evidence={"redacted": "sk-proj-…wxyz", "variable": "OPENAI_API_KEY"},
        ),
        Finding(
            "AISPM-CODE-002",
            FILE,
            Severity.HIGH,
            "openai output flows into eval()",
            location=Location(path="src/agent.py", line=30),
            discriminator="eval",
        ),
        Finding("AISPM-DATA-004", BUCKET, Severity.MEDIUM, "Bucket acme-training allows public read"),
        Finding("AISPM-UNKNOWN-999", REPO, Severity.INFO, "A finding of a rule the scan did not record"),
    )
    suppressed = frozenset({findings[2].fingerprint}) if suppress else frozenset()
    return ScanResult(
        target=target,
        started_at="2025-05-01T12:00:00+00:00",
        finished_at="2025-05-01T12:00:05+00:00",
        inventory=inv,
        findings=findings,
        rules=_rules(),
        scan_id="scan-42",
        suppressed=suppressed,
    )


def empty_result() -> ScanResult:
    return ScanResult("repo", "2025-05-01T12:00:00Z", "2025-05-01T12:00:01Z", Inventory(), (), {})


@pytest.fixture
def result() -> ScanResult:
    return make_result()


@pytest.fixture
def build() -> Callable[..., ScanResult]:
    """The factory of the sample scan, for tests that need a variant (``suppress=``, ``target=``)."""
    return make_result


@pytest.fixture
def empty() -> ScanResult:
    return empty_result()
