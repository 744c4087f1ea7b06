"""AWS AI exposure beyond Prowler: public AI buckets, unauthenticated inference, keys in environments,
secrets in agent instructions, data capture, pickled models in S3, exposed notebooks."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from aispm.core.model import Asset, AssetKind, Finding, Inventory, RelationKind, Severity
from aispm.posture.checks.aws_common import (
    arn_of,
    aws_reference,
    bucket_asset,
    bucket_of_uri,
    dig,
    fail,
    gap_unknowns,
    is_ai_secret,
    linked,
    resources,
    role_of,
    secrets_in,
    unknown,
)
from aispm.posture.checks.aws_s3 import UnknownExposure, exposure, is_encrypted
from aispm.posture.policy import Policy
from aispm.posture.registry import check

_AI_USERS = (
    AssetKind.PIPELINE,
    AssetKind.MODEL,
    AssetKind.MODEL_ENDPOINT,
    AssetKind.NOTEBOOK,
    AssetKind.AGENT,
    AssetKind.DATASET,
    AssetKind.VECTOR_STORE,
)


def _ai_buckets(inventory: Inventory) -> dict[str, list[str]]:
    """Bucket asset id -> why it holds AI data (who reads/writes it, artifacts, capture, logs)."""
    why: dict[str, list[str]] = {}
    for bucket in resources(inventory, "s3:bucket"):
        for rel in inventory.incoming(bucket.id):
            other = inventory.get(rel.source)
            if rel.kind in (RelationKind.READS, RelationKind.WRITES, RelationKind.STORES) and (
                other is not None and other.kind in _AI_USERS
            ):
                why.setdefault(bucket.id, []).append(f"{rel.kind.value} by {other.name}")
    for artifact in inventory.of_kind(AssetKind.MODEL_ARTIFACT):
        name = bucket_of_uri(artifact.location.uri if artifact.location else None)
        holder = bucket_asset(inventory, name) if name else None
        if holder is not None:
            why.setdefault(holder.id, []).append(f"holds model file {artifact.name}")
    return why


@check("AISPM-AWS-043")
def ai_bucket_exposed(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for bucket_id, reasons in sorted(_ai_buckets(inventory).items()):
        bucket = inventory.get(bucket_id)
        assert bucket is not None
        try:
            found = exposure(bucket)
        except UnknownExposure as exc:
            yield unknown("AISPM-AWS-043", bucket, f"bucket {bucket.name} holds AI data but {exc}")
            continue
        if not found:
            continue
        writable = any(f["access"] == "write" for f in found)
        public = any(f["principal"] in ("*", "AllUsers", "AuthenticatedUsers") for f in found)
        how = ("writable" if writable else "readable") + (" by anyone" if public else " from other accounts")
        yield fail(
            "AISPM-AWS-043",
            bucket,
            f"bucket {bucket.name}, which {'; '.join(sorted(set(reasons))[:3])}, is {how}",
            {"exposure": found, "ai_use": sorted(set(reasons))},
            discriminator=how,
        )
    yield from gap_unknowns("AISPM-AWS-043", inventory, ("s3",), "AI bucket exposure")


@check("AISPM-AWS-044")
def unauthenticated_inference(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for url in resources(inventory, "lambda:function-url"):
        auth = url.properties.get("AuthType")
        if auth is None:
            yield unknown("AISPM-AWS-044", url, f"function URL {url.name}: its AuthType was not read")
        elif auth == "NONE":
            functions = [f.name for f in linked(inventory, url, RelationKind.EXPOSES)]
            yield fail(
                "AISPM-AWS-044",
                url,
                f"function URL {url.properties.get('FunctionUrl') or url.name} of AI function "
                f"{', '.join(functions) or '?'} accepts requests from the internet without authentication",
                {"AuthType": auth, "functions": functions, "Cors": url.properties.get("Cors")},
            )
    for route in resources(inventory, "apigateway:route"):
        if route.properties.get("AuthorizationType") == "NONE":
            yield fail(
                "AISPM-AWS-044",
                route,
                f"API Gateway route {route.properties.get('RouteKey') or route.name} exposes AI inference "
                "without authorization",
                {"AuthorizationType": "NONE", "RouteKey": route.properties.get("RouteKey")},
            )
    for method in resources(inventory, "apigateway:rest-method"):
        props = method.properties
        if props.get("authorizationType") == "NONE" and not props.get("apiKeyRequired"):
            targets = [t.name for t in linked(inventory, method, RelationKind.EXPOSES)]
            yield fail(
                "AISPM-AWS-044",
                method,
                f"API Gateway REST method {method.name} calls AI inference "
                f"({', '.join(targets) or props.get('integration', {}).get('uri')}) without authorization "
                "or an API key",
                {"authorizationType": "NONE", "apiKeyRequired": False, "targets": targets},
            )
    yield from gap_unknowns(
        "AISPM-AWS-044", inventory, ("lambda", "apigateway", "apigateway-rest"), "inference endpoints"
    )


@check("AISPM-AWS-045")
def exposed_notebook_reads_training_data(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for nb in resources(inventory, "sagemaker:notebook-instance"):
        props = nb.properties
        if props.get("RootAccess") == "Disabled" or props.get("DirectInternetAccess") == "Disabled":
            continue
        if "RoleArn" not in props and "DirectInternetAccess" not in props:
            yield unknown("AISPM-AWS-045", nb, f"notebook {nb.name}: its configuration was not read")
            continue
        role = role_of(inventory, nb, props.get("RoleArn"))
        perms = role.properties.get("ai_permissions") if role is not None else None
        if not isinstance(perms, dict):
            yield unknown(
                "AISPM-AWS-045",
                nb,
                f"notebook {nb.name} has root access and direct internet access; the permissions of "
                "its role were not evaluated",
            )
            continue
        buckets = sorted({str(e.get("bucket")) for e in perms.get("read_data") or []})
        if buckets and role is not None:
            yield fail(
                "AISPM-AWS-045",
                nb,
                f"notebook {nb.name} has root access and direct internet access, and its role "
                f"{role.name} can read training data in {', '.join(buckets)}",
                {"role": arn_of(role), "buckets": buckets},
            )
    yield from gap_unknowns("AISPM-AWS-045", inventory, ("sagemaker", "iam"), "exposed notebooks")


def _environments(asset: Asset) -> list[Mapping[str, Any]]:
    props = asset.properties
    envs = [
        dig(props, "Environment", "Variables"),
        dig(props, "PrimaryContainer", "Environment"),
        props.get("Environment"),
    ]
    envs += [c.get("Environment") for c in props.get("Containers") or [] if isinstance(c, dict)]
    return [e for e in envs if isinstance(e, Mapping) and "Variables" not in e]


def _key_variables(asset: Asset) -> list[str]:
    ref = aws_reference()
    names = [n.lower() for n in ref["ai_key_env_names"]]
    prefixes = tuple(ref["secret_reference_prefixes"])
    found = []
    for env in _environments(asset):
        for name, value in env.items():
            text = str(value or "").strip()
            if not text or text.startswith(prefixes):
                continue
            if any(fnmatch.fnmatchcase(str(name).lower(), n) for n in names):
                found.append(str(name))
    return sorted(set(found))


_ENV_HOLDERS = (
    "lambda:function",
    "sagemaker:model",
    "sagemaker:training-job",
    "sagemaker:processing-job",
    "sagemaker:transform-job",
    "sagemaker:notebook-lifecycle-config",
)


@check("AISPM-AWS-046")
def ai_key_in_environment(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for asset in resources(inventory, *_ENV_HOLDERS):
        secrets = [s for s in secrets_in(inventory, asset) if is_ai_secret(s)]
        variables = _key_variables(asset)
        if not secrets and not variables:
            continue
        kind = asset.properties.get("resource_type")
        shown = [str(s.properties.get("variable") or s.properties.get("secret_type")) for s in secrets]
        yield fail(
            "AISPM-AWS-046",
            asset,
            f"{kind} {asset.name} keeps AI provider keys in plain text in its environment or scripts "
            f"({', '.join(sorted(set(shown + variables)))})",
            {
                "variables": variables,
                "secrets": [s.properties.get("redacted") for s in secrets],
                "providers": sorted({s.provider for s in secrets}),
            },
        )


@check("AISPM-AWS-047")
def secret_in_agent_instruction(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for agent in resources(inventory, "bedrock:agent"):
        found = secrets_in(inventory, agent)
        if found:
            yield fail(
                "AISPM-AWS-047",
                agent,
                f"Bedrock agent {agent.name} has credentials in its instruction or configuration "
                f"({', '.join(sorted({str(s.properties.get('secret_type')) for s in found}))})",
                {"secrets": [s.properties.get("redacted") for s in found]},
            )


@check("AISPM-AWS-048")
def data_capture_bucket(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for cfg in resources(inventory, "sagemaker:endpoint-config"):
        capture = cfg.properties.get("DataCaptureConfig")
        if not isinstance(capture, Mapping) or capture.get("EnableCapture") is False:
            continue
        uri = capture.get("DestinationS3Uri")
        name = bucket_of_uri(uri)
        bucket = bucket_asset(inventory, name) if name else None
        if bucket is None:
            yield unknown(
                "AISPM-AWS-048",
                cfg,
                f"endpoint configuration {cfg.name} captures data to {uri}, not inventoried",
            )
            continue
        problems = []
        encrypted = bool(capture.get("KmsKeyId")) or is_encrypted(bucket)
        if encrypted is False:
            problems.append("without encryption")
        try:
            found = exposure(bucket)
        except UnknownExposure as exc:
            yield unknown(
                "AISPM-AWS-048", cfg, f"endpoint configuration {cfg.name}: capture bucket {name}: {exc}"
            )
            found = []
        if found:
            problems.append("to a bucket readable or writable outside the account")
        if problems:
            yield fail(
                "AISPM-AWS-048",
                cfg,
                f"endpoint configuration {cfg.name} captures prompts and predictions to {uri} "
                + " and ".join(problems),
                {"destination": uri, "kms_key": capture.get("KmsKeyId"), "exposure": found},
            )


@check("AISPM-AWS-049")
def pickle_model_in_bucket(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    formats = set(aws_reference()["pickle_formats"])
    for artifact in inventory.of_kind(AssetKind.MODEL_ARTIFACT):
        uri = artifact.location.uri if artifact.location else None
        if not bucket_of_uri(uri):
            continue
        scan = artifact.properties.get("scan")
        verdict = scan.get("verdict") if isinstance(scan, Mapping) else None
        fmt = artifact.properties.get("format") or (scan.get("format") if isinstance(scan, Mapping) else None)
        if verdict != "malicious" and fmt not in formats:
            error = scan.get("error") if isinstance(scan, Mapping) else None
            if error and not fmt:
                yield unknown("AISPM-AWS-049", artifact, f"model file {uri} in S3 was not scanned: {error}")
            continue
        malicious = verdict == "malicious"
        issues = scan.get("issues") if isinstance(scan, Mapping) else None
        yield Finding(
            rule_id="AISPM-AWS-049",
            asset_id=artifact.id,
            severity=Severity.CRITICAL if malicious else Severity.HIGH,
            message=f"model file {uri} in S3 is "
            + ("flagged malicious by the model scanner" if malicious else f"in {fmt} format (pickle-based)"),
            location=artifact.location,
            evidence={"format": fmt, "verdict": verdict, "issues": (issues or [])[:5]},
        )
    yield from gap_unknowns("AISPM-AWS-049", inventory, ("model-scan",), "Model files in S3")
