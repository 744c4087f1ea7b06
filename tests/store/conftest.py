"""Fixtures of the store tests: a fresh database per test on SQLite and on PostgreSQL, and
hand-built scan results."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from aispm.core.ids import urn
from aispm.core.model import (
    Asset,
    AssetKind,
    Finding,
    Inventory,
    Location,
    RelationKind,
    Relationship,
    RuleMeta,
    ScanResult,
    ScanWarning,
    Severity,
)
from aispm.store import Store

POSTGRES_ENV = "AISPM_TEST_POSTGRES_URL"


def postgres_base_url() -> str:
    """The test server's URL; fails under CI and skips elsewhere when it is not configured."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set; run `source .ci/services.sh && start_postgres` first"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    base = make_url(postgres_base_url())
    name = f"aispm_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A fresh database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return os.fspath(tmp_path) + "/history.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url) as opened:
        yield opened


# -- hand-built scans --------------------------------------------------------------------------

REPO = urn("code", "repository", "github.com/acme/app")
APP = urn("code", "source_file", "github.com/acme/app", "app.py")
MODEL = urn("model", "model", "openai", "gpt-4o")
SECRET = urn("secret", "secret", "openai", "0123456789abcdef")

RULES = {
    "AISPM-SECRET-001": RuleMeta(
        id="AISPM-SECRET-001",
        title="Hard-coded AI provider key",
        severity=Severity.CRITICAL,
        rationale="Keys in code leak.",
        remediation="Move the key to a secret manager.",
        owasp_llm=("LLM02:2025",),
        mitre_atlas=("AML.T0055",),
        references=("CWE-798",),
        asset_kinds=(AssetKind.SECRET,),
        tags=("secrets",),
    ),
    "AISPM-MODEL-002": RuleMeta(
        id="AISPM-MODEL-002",
        title="Unapproved model",
        severity=Severity.MEDIUM,
        rationale="Policy.",
        remediation="Use an approved model.",
    ),
}


def assets() -> list[Asset]:
    """A small inventory: repository, file, model and a redacted secret."""
    return [
        Asset(
            REPO, AssetKind.REPOSITORY, "acme/app", "local", properties={"root_name": "app"}, source="code"
        ),
        Asset(
            APP,
            AssetKind.SOURCE_FILE,
            "app.py",
            "local",
            location=Location(path="app.py"),
            properties={
                "language": "python",
                "calls": [{"function": "torch.load", "line": 12, "args": ["m.pt"], "keywords": {"w": True}}],
                "ratio": 0.5,
                "note": "naïve ✓",
                "none": None,
            },
            tags=("ai", "python"),
            source="code",
        ),
        Asset(
            MODEL,
            AssetKind.MODEL,
            "gpt-4o",
            "openai",
            location=Location(uri="https://api.openai.com/v1"),
            properties={"provider": "openai", "model": "gpt-4o"},
            source="code",
        ),
        Asset(
            SECRET,
            AssetKind.SECRET,
            "OPENAI_API_KEY",
            "openai",
            location=Location(path="app.py", line=3),
            properties={"redacted": "sk-proj-…wxyz", "locations": [{"path": "app.py", "line": 3}]},
            source="code",
        ),
    ]


def relationships() -> list[Relationship]:
    return [
        Relationship(REPO, RelationKind.CONTAINS, APP),
        Relationship(APP, RelationKind.INVOKES, MODEL, {"line": 20}),
        Relationship(APP, RelationKind.CONTAINS, SECRET),
    ]


def findings() -> list[Finding]:
    return [
        Finding(
            "AISPM-SECRET-001",
            SECRET,
            Severity.CRITICAL,
            "OpenAI key in app.py",
            location=Location(path="app.py", line=3),
            evidence={"redacted": "sk-proj-…wxyz"},
        ),
        Finding("AISPM-MODEL-002", MODEL, Severity.MEDIUM, "gpt-4o is not approved", discriminator="gpt-4o"),
    ]


def warnings() -> list[ScanWarning]:
    return [
        ScanWarning("code", "cannot parse setup.cfg", Location(path="setup.cfg", line=4)),
        ScanWarning("code", "walk stopped at 10000 files"),
    ]


def result(
    asset_list: Sequence[Asset] | None = None,
    finding_list: Sequence[Finding] | None = None,
    *,
    started_at: str = "2025-01-01T10:00:00+00:00",
    rels: Sequence[Relationship] | None = None,
    warning_list: Sequence[ScanWarning] | None = None,
    target: str = "/src/app",
) -> ScanResult:
    """A scan result of the sample inventory, or of the given assets and findings."""
    inventory = Inventory.of(
        assets() if asset_list is None else asset_list, relationships() if rels is None else rels
    )
    inventory.warnings.extend(warnings() if warning_list is None else warning_list)
    return ScanResult(
        target=target,
        started_at=started_at,
        finished_at=started_at.replace("10:00:00", "10:00:05"),
        inventory=inventory,
        findings=tuple(findings() if finding_list is None else finding_list),
        rules=dict(RULES),
    )


ResultFactory = Callable[..., ScanResult]


@pytest.fixture
def make_result() -> ResultFactory:
    """Builds a :class:`ScanResult`; see :func:`result` for the arguments."""
    return result
