"""AWS sessions: the default credential chain or a profile, assumed roles, clients and regions."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
DEFAULT_MAX_ATTEMPTS = 8
"""Attempts per call (throttling and transient errors are retried with backoff) unless the user
sets ``AWS_MAX_ATTEMPTS`` or ``max_attempts`` in the AWS config, which boto3 then honours."""
SESSION_NAME = "aispm-scan"


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """How to reach AWS; built from the CLI options of ``aispm scan aws``."""

    profile: str | None = None
    regions: tuple[str, ...] = ()
    """Regions to scan; empty means every region enabled for the account."""
    role_arns: tuple[str, ...] = ()
    """Roles to assume, one per account to scan; empty means the caller's own account."""
    max_workers: int = 16
    """Concurrent API calls (region-and-service tasks and per-resource reads)."""
    external_id: str | None = None
    model_scan: bool = True
    """Scan the model files in the S3 locations AI resources name (``aispm.discover.aws.model_scan``)."""
    model_scan_max_objects: int = 100
    """Model files scanned per location at most (the first ones in key order)."""
    model_scan_max_bytes: int = 2 * 1024**3
    """Largest object downloaded for the model scan; larger ones are reported as not scanned."""


def client_config(max_workers: int) -> Config:
    """Adaptive retries (client-side rate limiting + exponential backoff on throttling)."""
    retries: dict[str, Any] = {"mode": "adaptive"}
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return Config(
        retries=retries,
        max_pool_connections=max(10, max_workers * 2),
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra="aispm",
    )


@dataclass
class Account:
    """One AWS account reached through one boto3 session.

    boto3 sessions are not thread-safe, so clients are created under a lock and cached; boto3
    clients themselves are safe to share between threads.
    """

    session: boto3.Session
    account_id: str
    partition: str
    principal_arn: str
    config: Config
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def home_region(self) -> str:
        return self.session.region_name or DEFAULT_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        """A cached boto3 client (``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` apply)."""
        key = (service, region or self.home_region)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self.session.client(service, region_name=key[1], config=self.config)
                self._clients[key] = found
            return found


def base_session(options: AwsOptions) -> boto3.Session:
    """The session of the default credential chain (or ``--profile``)."""
    session = boto3.Session(profile_name=options.profile) if options.profile else boto3.Session()
    if session.region_name is None:
        session = boto3.Session(profile_name=options.profile, region_name=DEFAULT_REGION)
    return session


def open_accounts(options: AwsOptions) -> list[Account]:
    """The accounts to scan: the caller's own, or one per role in ``options.role_arns``.

    Raises botocore errors when credentials are missing or a role cannot be assumed: without
    credentials there is nothing to scan, and that must not look like an empty account.
    """
    config = client_config(options.max_workers)
    base = base_session(options)
    if not options.role_arns:
        return [_account(base, config)]
    sts = base.client("sts", config=config)
    accounts = []
    for role_arn in options.role_arns:
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
        if options.external_id:
            kwargs["ExternalId"] = options.external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=base.region_name,
        )
        accounts.append(_account(session, config))
    return accounts


def _account(session: boto3.Session, config: Config) -> Account:
    identity = session.client("sts", config=config).get_caller_identity()
    arn = str(identity["Arn"])
    partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
    return Account(session, str(identity["Account"]), partition, arn, config)


def enabled_regions(account: Account) -> list[str]:
    """Regions enabled for the account (``ec2:DescribeRegions`` excludes not-opted-in ones)."""
    ec2 = account.client("ec2")
    response = ec2.describe_regions(
        Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required", "opted-in"]}]
    )
    return sorted(str(r["RegionName"]) for r in response.get("Regions", []))
