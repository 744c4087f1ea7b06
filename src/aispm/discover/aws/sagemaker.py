"""SageMaker reads beyond list-then-describe: the Model Monitor schedules of each endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aispm.discover.aws.resources import collect_service
from aispm.discover.aws.scope import Scope, plain


def collect_sagemaker(scope: Scope) -> None:
    """Every SageMaker resource; endpoints carry ``monitoring_schedules`` (a list, possibly empty)
    when ``ListMonitoringSchedules`` was read in full, and no such field when it was not."""
    schedules = scope.paginate_all("list_monitoring_schedules", "MonitoringScheduleSummaries", page_size=100)
    if schedules is not None:
        by_endpoint: dict[str, list[Any]] = {}
        for schedule in schedules:
            by_endpoint.setdefault(str(schedule.get("EndpointName") or ""), []).append(plain(schedule))

        def monitoring(record: Mapping[str, Any]) -> dict[str, Any]:
            return {"monitoring_schedules": by_endpoint.get(str(record.get("EndpointName")), [])}

        scope.facts.setdefault("extras", {})["sagemaker:endpoint"] = monitoring
    collect_service(scope)
