"""Lambda functions (with their environment, redacted), function URLs and resource policies."""

from __future__ import annotations

import json
from typing import Any

from aispm.core.model import JSON, RelationKind
from aispm.discover.aws.catalog import aws_catalog
from aispm.discover.aws.scope import Scope, asset_id


def collect_lambda(scope: Scope) -> None:
    functions = scope.paginate("list_functions", "Functions", page_size=50)
    extras = scope.each(lambda fn: _extras(scope, fn), functions)
    for fn, (urls, policy, unread) in zip(functions, extras, strict=True):
        arn = str(fn["FunctionArn"])
        env = (fn.get("Environment") or {}).get("Variables") or {}
        asset = scope.add(
            "lambda:function",
            arn,
            str(fn.get("FunctionName")),
            fn,
            role_arn=fn.get("Role"),
            image_uri=(fn.get("ImageConfigResponse") or {}).get("ImageUri") or None,
            policy=policy,
            ai_signals=_ai_signals(env) or None,
            unread=unread or None,
        )
        for qualifier, url in urls:
            url_arn = f"{arn}:{qualifier}/function-url" if qualifier else f"{arn}/function-url"
            fields = {**url, "function_arn": arn}
            url_asset = scope.add(
                "lambda:function-url",
                url_arn,
                str(url.get("FunctionUrl") or url_arn),
                fields,
                function_arn=arn,
                function_policy=policy,
                qualifier=qualifier,
                links=False,
            )
            scope.out.relate(url_asset.id, RelationKind.EXPOSES, asset.id)
    scope.facts["functions"] = functions


def _extras(scope: Scope, fn: dict[str, Any]) -> tuple[list[tuple[str | None, Any]], JSON, list[str]]:
    """The function URLs (of the function and of each alias, ``(alias or None, config)``), the
    resource policy and the reads that failed."""
    name = str(fn.get("FunctionName"))
    unread: list[str] = []
    url_list: list[tuple[str | None, Any]] = []
    url = _url_config(scope, name)
    if url is None:
        unread.append("get_function_url_config")
    elif url:
        url_list.append((None, url))
    aliases = scope.paginate_all("list_aliases", "Aliases", page_size=50, FunctionName=name)
    if aliases is None:
        unread.append("list_aliases")
    for alias in aliases or []:
        qualifier = str(alias.get("Name") or "")
        alias_url = _url_config(scope, name, qualifier) if qualifier else {}
        if alias_url is None:
            if "get_function_url_config" not in unread:
                unread.append("get_function_url_config")
        elif alias_url:
            url_list.append((qualifier, alias_url))
    response = scope.call(
        "get_policy", resource=name, missing=("ResourceNotFoundException",), FunctionName=name
    )
    if response is None:
        unread.append("get_policy")
        return url_list, None, unread
    text = response.get("Policy")
    return url_list, json.loads(text) if isinstance(text, str) else None, unread


def _url_config(scope: Scope, name: str, qualifier: str | None = None) -> dict[str, Any] | None:
    """The URL config of the function (or of its alias): ``{}`` when it has none, ``None`` when the
    read failed (a coverage gap)."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    resource = f"{name}:{qualifier}" if qualifier else name
    url = scope.call(
        "get_function_url_config",
        resource=resource,
        missing=("ResourceNotFoundException",),
        FunctionName=name,
        **extra,
    )
    if url is None:
        return None
    return {k: v for k, v in url.items() if k != "ResponseMetadata"}


def _ai_signals(env: dict[str, Any]) -> list[str]:
    catalog = aws_catalog()
    signals = []
    for name, value in env.items():
        lowered = name.lower()
        if any(word in lowered for word in catalog.ai_env_words):
            signals.append(f"env:{name}")
        elif isinstance(value, str) and catalog.is_bedrock_model_id(value):
            signals.append(f"model:{name}")
    return signals


def function_id(arn: str) -> str:
    return asset_id("lambda:function", arn)
