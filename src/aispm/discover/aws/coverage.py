"""What a scan could and could not read, per account, region and service (thread-safe)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from aispm.core.model import JSON, Inventory, Location
from aispm.discover.aws.errors import OK, Failure, stronger


@dataclass
class Coverage:
    """Coverage of one account: ``status[region][service]`` and the failed operations."""

    account_id: str
    status: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: dict[tuple[str, str, str, str], dict[str, JSON]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self, region: str, service: str) -> None:
        with self._lock:
            self.status.setdefault(region, {}).setdefault(service, OK)

    def fail(self, region: str, service: str, operation: str, failure: Failure, resource: str = "") -> None:
        """Record that ``operation`` failed (for ``resource``, when it is about one resource)."""
        with self._lock:
            by_service = self.status.setdefault(region, {})
            by_service[service] = stronger(failure.status, by_service.get(service, OK))
            key = (region, service, operation, failure.status)
            entry = self.failures.get(key)
            if entry is None:
                self.failures[key] = {
                    "region": region,
                    "service": service,
                    "operation": operation,
                    "status": failure.status,
                    "code": failure.code,
                    "message": failure.message,
                    "resources": [resource] if resource else [],
                    "count": 1,
                }
                return
            entry["count"] = int(entry["count"] or 0) + 1
            resources = entry["resources"]
            if resource and isinstance(resources, list) and len(resources) < 20:
                resources.append(resource)

    def is_complete(self, region: str, service: str) -> bool:
        return self.status.get(region, {}).get(service) == OK

    def to_json(self) -> dict[str, JSON]:
        return {region: dict(sorted(services.items())) for region, services in sorted(self.status.items())}

    def failure_list(self) -> list[JSON]:
        return [dict(v) for _, v in sorted(self.failures.items())]

    def warn_into(self, out: Inventory, source: str) -> None:
        """One ``coverage_gap`` warning per failed (region, service, operation)."""
        for (region, service, operation, status), entry in sorted(self.failures.items()):
            count = int(entry["count"] or 1)
            resources = entry["resources"] if isinstance(entry["resources"], list) else []
            about = f" for {count} resource(s), e.g. {resources[0]}" if resources else ""
            out.warn(
                source,
                f"{service} {operation} in {region}: {status} ({entry['code']}: {entry['message']}){about}; "
                f"the inventory of {service} in {region} is incomplete and rules over it are unknown",
                Location(uri=f"aws:{self.account_id}:{region}:{service}"),
                kind="coverage_gap",
            )
