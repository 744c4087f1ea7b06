"""API Gateway HTTP/WebSocket APIs (v2): routes and the Lambda functions they expose."""

from __future__ import annotations

import re
from typing import Any

from aispm.core.model import RelationKind
from aispm.discover.aws.scope import Scope, asset_id

_LAMBDA_ARN = re.compile(r"arn:aws[a-z\-]*:lambda:[a-z0-9\-]+:\d{12}:function:[A-Za-z0-9_\-]+")


def collect_apigateway(scope: Scope) -> None:
    apis = scope.paginate("get_apis", "Items")
    details = scope.each(lambda api: _routes(scope, api), apis)
    for api, (routes, integrations) in zip(apis, details, strict=True):
        by_id = {str(i.get("IntegrationId")): i for i in integrations}
        for route in routes:
            target = str(route.get("Target") or "")
            integration = by_id.get(target.removeprefix("integrations/"), {})
            path = f"/apis/{api['ApiId']}/routes/{route['RouteId']}"
            arn = f"arn:{scope.partition}:apigateway:{scope.api_region}::{path}"
            fields = {**route, "api": api, "integration": integration}
            asset = scope.add(
                "apigateway:route",
                arn,
                f"{api.get('Name')} {route.get('RouteKey')}",
                fields,
                endpoint_url=api.get("ApiEndpoint"),
                links=False,
            )
            match = _LAMBDA_ARN.search(str(integration.get("IntegrationUri") or ""))
            if match:
                scope.out.relate(asset.id, RelationKind.EXPOSES, asset_id("lambda:function", match.group(0)))


def _routes(scope: Scope, api: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    routes = scope.paginate("get_routes", "Items", ApiId=api["ApiId"])
    integrations = scope.paginate("get_integrations", "Items", ApiId=api["ApiId"])
    return routes, integrations
