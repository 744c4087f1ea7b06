"""Supply chain: model files, vulnerable or unpinned AI dependencies, remote code from model hubs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from aispm.core.model import Asset, AssetKind, Finding, Inventory, Severity
from aispm.posture.helpers import as_list, call_finding, finding, is_expression, iter_calls, reference
from aispm.posture.policy import Policy
from aispm.posture.registry import check

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_FILE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".onnx", ".safetensors", ".gguf", ".h5", ".keras", ".json")
_ADVISORY_SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
}


def _artifacts_in(inventory: Inventory, formats: set[str]) -> Iterator[tuple[Asset, str]]:
    """Model files whose ``format`` is one of ``formats``, with that format."""
    for artifact in inventory.of_kind(AssetKind.MODEL_ARTIFACT):
        fmt = str(artifact.properties.get("format") or "")
        if fmt in formats:
            yield artifact, fmt


def _artifact_message(artifact_format: str, where: object, why: str) -> str:
    return f"model file {where} is in {artifact_format} format: {why}"


@check("AISPM-SUP-001")
def pickle_model_file(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact, fmt in _artifacts_in(inventory, set(reference()["pickle_model_formats"])):
        yield finding(
            "AISPM-SUP-001",
            artifact,
            _artifact_message(fmt, artifact.location or artifact.name, "loading it runs pickled code"),
            evidence={k: artifact.properties.get(k) for k in ("format", "size", "sha256")},
        )


@check("AISPM-SUP-002")
def banned_model_format(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    banned = set(policy.banned_model_formats)
    for artifact, fmt in _artifacts_in(inventory, banned):
        yield finding(
            "AISPM-SUP-002",
            artifact,
            _artifact_message(fmt, artifact.location or artifact.name, "the policy bans this format"),
            evidence={"format": fmt, "banned_model_formats": sorted(banned)},
        )


@check("AISPM-SUP-003")
def model_extension_mismatch(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in inventory.of_kind(AssetKind.MODEL_ARTIFACT):
        if artifact.properties.get("extension_matches") is False:
            fmt = artifact.properties.get("format")
            yield finding(
                "AISPM-SUP-003",
                artifact,
                f"model file {artifact.location or artifact.name} holds {fmt} content that its file "
                "extension does not announce",
                evidence={"format": fmt, "name": artifact.name},
            )


@check("AISPM-SUP-004")
def vulnerable_ai_package(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for package in inventory.of_kind(AssetKind.PACKAGE):
        if not package.properties.get("ai"):
            continue
        name = package.properties.get("name") or package.name
        version = package.properties.get("version")
        purl = unquote(package.id.removeprefix("urn:aispm:package:package:"))
        for vuln in as_list(package.properties.get("vulnerabilities")):
            if not isinstance(vuln, dict) or not vuln.get("id"):
                continue
            severity = _ADVISORY_SEVERITY.get(str(vuln.get("severity") or "").lower())
            fixed = [str(f) for f in as_list(vuln.get("fixed"))]
            fix = f"; fixed in {', '.join(fixed)}" if fixed else "; no fixed version published"
            yield finding(
                "AISPM-SUP-004",
                package,
                f"{name} {version or '(unpinned)'} is affected by {vuln['id']}: "
                f"{vuln.get('summary') or 'no summary'}{fix}",
                evidence={
                    "package": name,
                    "version": version,
                    "advisory": vuln["id"],
                    "aliases": as_list(vuln.get("aliases")),
                    "severity": vuln.get("severity"),
                    "fixed": fixed,
                    "manifests": as_list(package.properties.get("manifests")),
                },
                discriminator=f"{purl}|{vuln['id']}",
                severity=severity,
            )


@check("AISPM-SUP-005")
def unpinned_ai_dependency(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    packages = list(inventory.of_kind(AssetKind.PACKAGE))
    resolved = {
        (str(p.properties.get("ecosystem")), str(p.properties.get("name")).lower())
        for p in packages
        if p.properties.get("version")
    }
    for package in packages:
        props = package.properties
        if not props.get("ai") or props.get("version"):
            continue
        if (str(props.get("ecosystem")), str(props.get("name")).lower()) in resolved:
            continue  # a lock file pins it
        spec = props.get("specifier") or "(any version)"
        yield finding(
            "AISPM-SUP-005",
            package,
            f"AI dependency {props.get('name')} {spec} is not pinned to an exact version and no lock "
            f"file pins it (declared in {', '.join(map(str, as_list(props.get('manifests')))) or '?'})",
            evidence={
                "package": props.get("name"),
                "ecosystem": props.get("ecosystem"),
                "specifier": props.get("specifier"),
                "manifests": as_list(props.get("manifests")),
            },
        )


def _hub_id(value: object) -> str | None:
    if not isinstance(value, str) or is_expression(value):
        return None
    if not _HUB_ID.match(value) or value.startswith(".") or value.lower().endswith(_FILE_SUFFIXES):
        return None
    return value


@check("AISPM-SUP-006")
def unpinned_hub_model(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for call in iter_calls(inventory, "hub_download"):
        short = call.function.rsplit(".", 1)[-1]
        if short == "pipeline":
            repo = _hub_id(call.keywords.get("model"))
        elif short == "load_dataset":
            repo = _hub_id(call.arg(0, "path"))
            repo = repo if repo and "/" in repo else None  # bare names are builders: csv, json ...
        else:
            repo = _hub_id(
                call.arg(0, "repo_id")
                or call.keywords.get("pretrained_model_name_or_path")
                or call.keywords.get("model_name_or_path")
                or call.keywords.get("model_name")
            )
        if repo is None:
            continue
        revision = call.keywords.get("revision")
        if revision is not None and (is_expression(revision) or _COMMIT.match(str(revision))):
            continue
        state = "no revision" if revision is None else f"revision {revision!r}, which is not a commit hash"
        yield call_finding(
            "AISPM-SUP-006",
            call,
            f"{call.function}('{repo}') at {call.location} pulls from a model hub with {state}",
            evidence={"repo_id": repo, "revision": revision},
            key=(repo,),
        )


@check("AISPM-SUP-007")
def trust_remote_code(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for call in iter_calls(inventory):
        if call.keywords.get("trust_remote_code") is not True:
            continue
        yield call_finding(
            "AISPM-SUP-007",
            call,
            f"{call.function}(…, trust_remote_code=True) at {call.location} runs Python code shipped "
            "with the model repository",
        )


@check("AISPM-SUP-008")
def torch_hub_load(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for call in iter_calls(inventory, "torch_hub_load"):
        if call.keywords.get("source") == "local":
            continue
        repo = call.arg(0, "repo_or_dir")
        pinned = isinstance(repo, str) and not is_expression(repo) and ":" in repo
        yield call_finding(
            "AISPM-SUP-008",
            call,
            f"torch.hub.load({repo!r}) at {call.location} downloads and runs hubconf.py from GitHub"
            + ("" if pinned else " at the repository's default branch"),
            evidence={"ref_pinned": pinned},
        )
