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


_SAGEMAKER_RUNTIME = re.compile(r"runtime\.sagemaker:path/+endpoints/([A-Za-z0-9\-]+)/invocations")


def collect_apigateway_rest(scope: Scope) -> None:
    """REST (v1) API methods whose integration calls a Lambda function or a SageMaker endpoint
    (``arn:aws:apigateway:<region>:runtime.sagemaker:path//endpoints/<name>/invocations``)."""
    apis = scope.paginate("get_rest_apis", "items", page_size=500)
    resources = scope.each(
        lambda api: scope.paginate(
            "get_resources", "items", page_size=500, restApiId=api["id"], embed=["methods"]
        ),
        apis,
    )
    for api, items in zip(apis, resources, strict=True):
        for resource in items:
            for verb, method in (resource.get("resourceMethods") or {}).items():
                _rest_method(scope, api, resource, str(verb), method or {})


def _rest_method(scope: Scope, api: dict[str, Any], resource: dict[str, Any], verb: str, method: Any) -> None:
    integration = method.get("methodIntegration") or {}
    uri = str(integration.get("uri") or "")
    function = _LAMBDA_ARN.search(uri)
    endpoint = _SAGEMAKER_RUNTIME.search(uri)
    if not function and not endpoint:
        return
    path = f"/restapis/{api['id']}/resources/{resource['id']}/methods/{verb}"
    arn = f"arn:{scope.partition}:apigateway:{scope.api_region}::{path}"
    fields = {
        **{k: v for k, v in method.items() if k != "methodIntegration"},
        "integration": integration,
        "path": resource.get("path"),
        "api": {k: api.get(k) for k in ("id", "name", "endpointConfiguration", "policy") if k in api},
    }
    asset = scope.add(
        "apigateway:rest-method",
        arn,
        f"{api.get('name')} {verb} {resource.get('path')}",
        fields,
        endpoint_url=f"https://{api['id']}.execute-api.{scope.api_region}.amazonaws.com",
        links=False,
    )
    if function:
        scope.out.relate(asset.id, RelationKind.EXPOSES, asset_id("lambda:function", function.group(0)))
    if endpoint:
        target = scope.arn("sagemaker", f"endpoint/{endpoint.group(1).lower()}")
        scope.out.relate(asset.id, RelationKind.EXPOSES, asset_id("sagemaker:endpoint", target))
