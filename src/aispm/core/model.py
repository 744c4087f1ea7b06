"""Values that flow through every stage: assets, relationships, rules, findings, warnings.

All are frozen dataclasses.  ``properties`` and ``evidence`` hold JSON-compatible values only
(str, int, float, bool, None, lists and dicts of those) so the store and every report can
serialise them without knowing the source that produced them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aispm.core.ids import digest

JSON = Any
"""A JSON-compatible value."""


class AssetKind(StrEnum):
    """The AI ontology: every source maps what it finds onto one of these kinds."""

    REPOSITORY = "repository"
    """A source repository or directory that was scanned."""
    SOURCE_FILE = "source_file"
    """A file of source code, configuration or a notebook inside a repository."""
    NOTEBOOK = "notebook"
    """A Jupyter notebook (file) or a hosted notebook instance."""
    AI_SERVICE = "ai_service"
    """A third-party AI provider API used by code (OpenAI, Anthropic, Bedrock ...)."""
    AI_FRAMEWORK = "ai_framework"
    """An AI/ML library or framework used by code (LangChain, PyTorch, transformers ...)."""
    MODEL = "model"
    """A model, named by provider and model id (``gpt-4o``, ``meta-llama/Llama-3-8B``)."""
    MODEL_ARTIFACT = "model_artifact"
    """A model file or directory on disk or in a bucket (pickle, safetensors, ONNX ...)."""
    MODEL_ENDPOINT = "model_endpoint"
    """A network endpoint that serves a model (a base URL, a SageMaker endpoint ...)."""
    DATASET = "dataset"
    DATA_STORE = "data_store"
    VECTOR_STORE = "vector_store"
    IDENTITY = "identity"
    WORKLOAD = "workload"
    PIPELINE = "pipeline"
    PROMPT_TEMPLATE = "prompt_template"
    """A prompt template or system prompt (a file or a string literal in code)."""
    AGENT = "agent"
    TOOL = "tool"
    """A function or capability an agent may call."""
    MCP_SERVER = "mcp_server"
    """A Model Context Protocol server, from a client config or a code reference."""
    SECRET = "secret"
    """A credential found in content; only ever stored redacted."""
    PACKAGE = "package"
    """A dependency declared in a manifest or lock file."""
    GUARDRAIL = "guardrail"
    """A content filter or safety configuration in front of a model (Bedrock guardrail ...)."""
    POLICY = "policy"
    """An access policy document (IAM managed policy, bucket policy ...)."""
    REGISTRY = "registry"
    """A registry of models or images (SageMaker model package group, ECR repository ...)."""


class RelationKind(StrEnum):
    """Typed edges between assets."""

    CONTAINS = "contains"
    """A repository contains a file; a file contains a secret or prompt."""
    USES = "uses"
    """Code uses an SDK, framework or vector store."""
    INVOKES = "invokes"
    """Code or an identity calls a model or endpoint."""
    LOADS = "loads"
    """Code loads a model file or reads a credential."""
    READS = "reads"
    WRITES = "writes"
    DEPLOYS = "deploys"
    TRAINED_ON = "trained_on"
    CAN_ASSUME = "can_assume"
    EXPOSES = "exposes"
    RUNS = "runs"
    STORES = "stores"
    HAS_TOOL = "has_tool"
    CONNECTS_TO = "connects_to"
    """An agent or client connects to an MCP server or endpoint."""
    DEPENDS_ON = "depends_on"
    """A repository declares a package dependency."""
    RUNS_AS = "runs_as"
    """A workload, notebook, job or endpoint runs with an identity's permissions."""
    ATTACHED_TO = "attached_to"
    """A policy is attached to an identity; a guardrail protects a model or agent."""


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; use one of: {allowed}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was found: a file path (relative to the scan root) and line, or a URI."""

    path: str | None = None
    line: int | None = None
    uri: str | None = None
    """For things that are not files: ``s3://...``, ``arn:aws:...``, ``https://...``."""

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}:{self.line}" if self.line else self.path
        return self.uri or ""

    def to_json(self) -> dict[str, JSON]:
        return {"path": self.path, "line": self.line, "uri": self.uri}


@dataclass(frozen=True, slots=True)
class Asset:
    """A node of the inventory."""

    id: str
    """Stable URN (see :mod:`aispm.core.ids`)."""
    kind: AssetKind
    name: str
    """Human-readable name."""
    provider: str
    """Where it lives or who offers it: ``local``, ``openai``, ``aws``, ``huggingface`` ..."""
    location: Location | None = None
    properties: Mapping[str, JSON] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    source: str = ""
    """The collector that found it (``code``, ``aws`` ...)."""

    def to_json(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "name": self.name,
            "provider": self.provider,
            "location": self.location.to_json() if self.location else None,
            "properties": dict(self.properties),
            "tags": list(self.tags),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Relationship:
    """A typed, directed edge ``source --kind--> target`` between two asset ids."""

    source: str
    kind: RelationKind
    target: str
    properties: Mapping[str, JSON] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.kind.value, self.target)

    def to_json(self) -> dict[str, JSON]:
        return {
            "source": self.source,
            "kind": self.kind.value,
            "target": self.target,
            "properties": dict(self.properties),
        }


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Metadata of a posture rule.  It lives in data files; the check is a small function."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    owasp_llm: tuple[str, ...] = ()
    """OWASP Top 10 for LLM Applications 2025 ids, e.g. ``LLM02:2025``."""
    mitre_atlas: tuple[str, ...] = ()
    """MITRE ATLAS technique (``AML.T0010``) or mitigation (``AML.M0013``) ids."""
    references: tuple[str, ...] = ()
    """Other frameworks or URLs (CWE ids, EU AI Act articles, NIST AI RMF ...)."""
    asset_kinds: tuple[AssetKind, ...] = ()
    """Kinds of asset the rule looks at."""
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "owasp_llm": list(self.owasp_llm),
            "mitre_atlas": list(self.mitre_atlas),
            "references": list(self.references),
            "asset_kinds": [k.value for k in self.asset_kinds],
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that failed on an asset."""

    rule_id: str
    asset_id: str
    severity: Severity
    message: str
    location: Location | None = None
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    """What shows the problem; secrets inside it are already redacted."""
    discriminator: str = ""
    """Tells apart several findings of one rule on one asset (e.g. a call site or a package).

    It must not contain line numbers or anything else that moves when unrelated code changes.
    """
    status: str = "fail"
    """``fail``: the rule failed.  ``unknown``: the rule could not decide because data it needs
    is missing (e.g. access denied to the API that holds it) — never reported as a pass."""

    @property
    def fingerprint(self) -> str:
        """Stable across scans: rule, asset and discriminator, never line numbers or time."""
        return digest(self.rule_id, self.asset_id, self.discriminator, length=32)

    def to_json(self) -> dict[str, JSON]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "asset_id": self.asset_id,
            "severity": self.severity.value,
            "status": self.status,
            "message": self.message,
            "location": self.location.to_json() if self.location else None,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something that could not be read or parsed; the scan went on without it."""

    source: str
    """The collector or stage that raised it."""
    message: str
    location: Location | None = None
    kind: str = "warning"
    """``warning``: an input could not be read.  ``coverage_gap``: a whole part of a source could
    not be inventoried (access denied, region or API unavailable), so rules over it are unknown.
    ``info``: everything was read, but something was deliberately not followed (a remote
    Terraform module ...); it does not make the scan's exit status 3."""

    def to_json(self) -> dict[str, JSON]:
        return {
            "source": self.source,
            "kind": self.kind,
            "message": self.message,
            "location": self.location.to_json() if self.location else None,
        }


class Inventory:
    """Assets and relationships of one scan, keyed by stable id.

    Adding an asset whose id is already present merges it: the first asset's fields win, its
    properties are extended with keys it lacked, list properties are concatenated without
    duplicates and tags are united.  Adding the same relationship twice keeps one.
    """

    def __init__(self) -> None:
        self._assets: dict[str, Asset] = {}
        self._by_kind: dict[AssetKind, dict[str, Asset]] = {}
        self._by_provider: dict[str, dict[str, Asset]] = {}
        """The assets again, by kind and by provider, for rules that each look at a few kinds."""
        self._relationships: dict[tuple[str, str, str], Relationship] = {}
        self._out: dict[str, list[Relationship]] = {}
        self._in: dict[str, list[Relationship]] = {}
        self.warnings: list[ScanWarning] = []

    def add(self, asset: Asset) -> Asset:
        existing = self._assets.get(asset.id)
        stored = asset if existing is None else _merge(existing, asset)
        self._assets[stored.id] = stored
        self._by_kind.setdefault(stored.kind, {})[stored.id] = stored  # a merge keeps kind and provider
        self._by_provider.setdefault(stored.provider, {})[stored.id] = stored
        return stored

    def relate(self, source: str, kind: RelationKind, target: str, **properties: JSON) -> None:
        self.add_relationship(Relationship(source, kind, target, properties))

    def add_relationship(self, rel: Relationship) -> None:
        if rel.key in self._relationships:
            return
        self._relationships[rel.key] = rel
        self._out.setdefault(rel.source, []).append(rel)
        self._in.setdefault(rel.target, []).append(rel)

    def warn(
        self, source: str, message: str, location: Location | None = None, kind: str = "warning"
    ) -> None:
        self.warnings.append(ScanWarning(source, message, location, kind))

    def extend(self, other: Inventory) -> None:
        for asset in other.assets:
            self.add(asset)
        for rel in other.relationships:
            self.add_relationship(rel)
        self.warnings.extend(other.warnings)

    def get(self, asset_id: str) -> Asset | None:
        return self._assets.get(asset_id)

    def __contains__(self, asset_id: object) -> bool:
        return asset_id in self._assets

    def __len__(self) -> int:
        return len(self._assets)

    @property
    def assets(self) -> list[Asset]:
        return list(self._assets.values())

    @property
    def relationships(self) -> list[Relationship]:
        return list(self._relationships.values())

    def of_kind(self, *kinds: AssetKind) -> Iterator[Asset]:
        """Assets of these kinds, in the order they were first added."""
        if len(kinds) == 1:
            return iter(self._by_kind.get(kinds[0], {}).values())
        return (a for a in self._assets.values() if a.kind in kinds)

    def of_provider(self, provider: str) -> Iterator[Asset]:
        """Assets of this provider (``aws``, ``local`` ...), in the order they were first added."""
        return iter(self._by_provider.get(provider, {}).values())

    def outgoing(self, asset_id: str, kind: RelationKind | None = None) -> Iterator[Relationship]:
        return (r for r in self._out.get(asset_id, ()) if kind is None or r.kind == kind)

    def incoming(self, asset_id: str, kind: RelationKind | None = None) -> Iterator[Relationship]:
        return (r for r in self._in.get(asset_id, ()) if kind is None or r.kind == kind)

    @classmethod
    def of(cls, assets: Iterable[Asset], relationships: Iterable[Relationship] = ()) -> Inventory:
        inv = cls()
        for asset in assets:
            inv.add(asset)
        for rel in relationships:
            inv.add_relationship(rel)
        return inv


def _merge(first: Asset, second: Asset) -> Asset:
    props = dict(first.properties)
    for key, value in second.properties.items():
        if key not in props:
            props[key] = value
        elif isinstance(props[key], list) and isinstance(value, list):
            seen = list(props[key])
            for item in value:
                if item not in seen:
                    seen.append(item)
            props[key] = seen
    tags = tuple(dict.fromkeys(first.tags + second.tags))
    return Asset(
        id=first.id,
        kind=first.kind,
        name=first.name,
        provider=first.provider,
        location=first.location or second.location,
        properties=props,
        tags=tags,
        source=first.source or second.source,
    )


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan produced, as handed to the store and to reports."""

    target: str
    """What was scanned (a path, ``aws:123456789012`` ...)."""
    started_at: str
    """ISO 8601 UTC."""
    finished_at: str
    inventory: Inventory
    findings: tuple[Finding, ...]
    rules: Mapping[str, RuleMeta]
    """Metadata of every rule that ran, by id (reports need titles and references)."""
    scan_id: str = ""
    """Set once the store has kept the scan."""
    suppressed: frozenset[str] = frozenset()
    """Fingerprints of findings that are suppressed (kept, but not counted against --fail-on)."""

    @property
    def warnings(self) -> list[ScanWarning]:
        return self.inventory.warnings

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.fingerprint not in self.suppressed]
