"""The AWS collector: every account, region and service read concurrently, then linked."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aispm.core.model import Asset, Inventory, Location
from aispm.discover.aws import links, model_scan, s3
from aispm.discover.aws.apigateway import collect_apigateway, collect_apigateway_rest
from aispm.discover.aws.bedrock import collect_bedrock, collect_bedrock_agent
from aispm.discover.aws.catalog import GLOBAL, aws_catalog
from aispm.discover.aws.coverage import Coverage
from aispm.discover.aws.ec2 import collect_ec2
from aispm.discover.aws.ecr import collect_ecr
from aispm.discover.aws.errors import classify
from aispm.discover.aws.iam import collect_iam
from aispm.discover.aws.lambda_fn import collect_lambda
from aispm.discover.aws.opensearch import collect_aoss, collect_opensearch
from aispm.discover.aws.sagemaker import collect_sagemaker
from aispm.discover.aws.scope import SOURCE, Scope, asset_id, bucket_arn
from aispm.discover.aws.session import Account, AwsOptions, enabled_regions, open_accounts
from aispm.discover.base import Progress, no_progress

READERS: dict[str, Callable[[Scope], Any]] = {
    "sagemaker": collect_sagemaker,
    "bedrock": collect_bedrock,
    "bedrock-agent": collect_bedrock_agent,
    "lambda": collect_lambda,
    "apigateway": collect_apigateway,
    "apigateway-rest": collect_apigateway_rest,
    "ecr": collect_ecr,
    "ec2": collect_ec2,
    "opensearch": collect_opensearch,
    "aoss": collect_aoss,
    "iam": collect_iam,
    "s3": s3.list_buckets,
}
"""The reader of each service key of ``data/aws_services.yaml``."""


class AwsTargetError(Exception):
    """AWS cannot be scanned at all (no credentials, a role that cannot be assumed)."""


@dataclass
class _Run:
    done: int = 0
    total: int = 0


class AwsCollector:
    """Discovers the AI estate of the AWS accounts reachable with ``options``."""

    name = "aws"

    def __init__(self, options: AwsOptions | None = None, services: tuple[str, ...] = ()) -> None:
        self.options = options or AwsOptions()
        self.services = services or tuple(READERS)
        """Service keys to read (all by default)."""

    def check_target(self) -> list[Account]:
        try:
            return open_accounts(self.options)
        except Exception as exc:
            failure = classify(exc)
            raise AwsTargetError(f"cannot reach AWS: {failure.code}: {failure.message}") from None

    def collect(self, progress: Progress = no_progress) -> Inventory:
        out = Inventory()
        accounts = self.check_target()
        run = _Run()
        with (
            ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="aispm-aws") as tasks,
            ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="aispm-aws-item") as items,
        ):
            for account in accounts:
                out.extend(self._account(account, tasks, items, run, progress))
        return out

    def _regions(self, account: Account, out: Inventory) -> list[str]:
        if self.options.regions:
            return list(self.options.regions)
        try:
            return enabled_regions(account)
        except Exception as exc:
            failure = classify(exc)
            out.warn(
                SOURCE,
                f"cannot list the enabled regions ({failure.code}: {failure.message}); only "
                f"{account.home_region} was scanned. Pass --regions to choose.",
                Location(uri=f"aws:{account.account_id}:*:ec2"),
                kind="coverage_gap",
            )
            return [account.home_region]

    def _account(
        self,
        account: Account,
        tasks: ThreadPoolExecutor,
        items: ThreadPoolExecutor,
        run: _Run,
        progress: Progress,
    ) -> Inventory:
        raw = Inventory()
        regions = self._regions(account, raw)
        coverage = Coverage(account.account_id)
        catalog = aws_catalog()
        scopes: list[Scope] = []
        for key in self.services:
            service = catalog.services[key]
            for region in [GLOBAL] if service.scope == GLOBAL else regions:
                coverage.begin(region, key)
                scopes.append(Scope(account, region, key, coverage, items))
        run.total += len(scopes) + 1
        futures: list[tuple[Scope, Future[Any]]] = [(s, tasks.submit(READERS[s.service], s)) for s in scopes]
        for scope, future in futures:
            try:
                future.result()
            except Exception as exc:  # a bug in one reader must not lose the rest of the scan
                coverage.fail(scope.region, scope.service, "internal", classify(exc))
            raw.extend(scope.out)
            run.done += 1
            progress(run.done, run.total, f"aws {account.account_id} {scope.region} {scope.service}")
        facts = _facts(scopes)
        self._buckets(account, raw, scopes, coverage, items, facts)
        linked = links.link(raw, facts["foundation_models"], facts["instance_profiles"])
        self._models(account, linked, coverage, items)
        linked.add(_account_asset(account, regions, coverage, facts))
        coverage.warn_into(linked, SOURCE)
        run.done += 1
        progress(run.done, run.total, f"aws {account.account_id} linked")
        return linked

    def _buckets(
        self,
        account: Account,
        raw: Inventory,
        scopes: list[Scope],
        coverage: Coverage,
        items: ThreadPoolExecutor,
        facts: dict[str, Any],
    ) -> None:
        if "s3" not in self.services:
            return
        listed: dict[str, Any] = facts["buckets"]
        prefix = asset_id("s3:bucket", bucket_arn(account.partition, ""))
        used = {r.target.removeprefix(prefix) for r in raw.relationships if r.target.startswith(prefix)}
        catalog = aws_catalog()
        wanted = used | {name for name in listed if catalog.looks_ai(name)}
        scope = Scope(account, GLOBAL, "s3", coverage, items)
        s3.describe_buckets(scope, wanted, listed, facts.get("account_public_access_block"))
        raw.extend(scope.out)

    def _models(
        self, account: Account, linked: Inventory, coverage: Coverage, items: ThreadPoolExecutor
    ) -> None:
        if not self.options.model_scan or "s3" not in self.services:
            return
        coverage.begin(GLOBAL, model_scan.COVERAGE_KEY)
        scope = Scope(account, GLOBAL, "s3", coverage, items)
        model_scan.scan_models(
            scope, linked, self.options.model_scan_max_objects, self.options.model_scan_max_bytes
        )
        linked.extend(scope.out)


def _facts(scopes: list[Scope]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "foundation_models": {},
        "instance_profiles": {},
        "buckets": {},
        "vpc_endpoints": {},
    }
    for scope in scopes:
        if "vpc_endpoints" in scope.facts:
            facts["vpc_endpoints"][scope.region] = scope.facts["vpc_endpoints"]
        if "foundation_models" in scope.facts:
            facts["foundation_models"][scope.region] = scope.facts["foundation_models"]
        facts["instance_profiles"].update(scope.facts.get("instance_profiles", {}))
        if scope.service == "s3":
            facts["buckets"] = scope.facts.get("buckets", {})
            facts["account_public_access_block"] = scope.facts.get("account_public_access_block")
    return facts


def _account_asset(account: Account, regions: list[str], coverage: Coverage, facts: dict[str, Any]) -> Asset:
    arn = f"arn:{account.partition}:iam::{account.account_id}:root"
    return Asset(
        id=asset_id("aws:account", arn),
        kind=aws_catalog().kind("aws:account"),
        name=f"AWS account {account.account_id}",
        provider="aws",
        location=Location(uri=arn),
        properties={
            "arn": arn,
            "account_id": account.account_id,
            "region": None,
            "resource_type": "aws:account",
            "partition": account.partition,
            "principal_arn": account.principal_arn,
            "regions": list(regions),
            "coverage": coverage.to_json(),
            "coverage_failures": coverage.failure_list(),
            "account_public_access_block": facts.get("account_public_access_block"),
            "bedrock_foundation_models": {
                r: sorted(m) for r, m in sorted(facts["foundation_models"].items())
            },
            "buckets_total": len(facts["buckets"]),
            "vpc_endpoints": dict(sorted(facts["vpc_endpoints"].items())),
        },
        source=SOURCE,
    )
