"""What an AWS API failure means for coverage: denied, region unsupported, not implemented, error."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    UnknownEndpointError,
)

from aispm.discover.aws.catalog import aws_catalog

OK = "ok"
DENIED = "denied"
UNSUPPORTED_REGION = "unsupported_region"
NOT_IMPLEMENTED = "not_implemented"
ERROR = "error"

_SEVERITY = {OK: 0, ERROR: 1, NOT_IMPLEMENTED: 2, UNSUPPORTED_REGION: 3, DENIED: 4}
"""When several calls of one service failed differently, the coverage shows the strongest."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified AWS API failure."""

    status: str
    code: str
    message: str


def classify(exc: BaseException) -> Failure:
    """Classify an exception raised by a boto3 call."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        http = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        message = " ".join(str(error.get("Message") or "").split())[:200]
        status = aws_catalog().error_status.get(code)
        if status is None:
            status = NOT_IMPLEMENTED if http == 501 else DENIED if http == 403 else ERROR
        if http >= 500 and message.lstrip().startswith("<"):
            message = f"HTTP {http} from the server (the API is missing or failing there)"
        return Failure(status, code or str(http), message or code)
    if isinstance(exc, EndpointConnectionError | UnknownEndpointError | ConnectTimeoutError):
        return Failure(UNSUPPORTED_REGION, type(exc).__name__, str(exc)[:200])
    if isinstance(exc, BotoCoreError):
        return Failure(ERROR, type(exc).__name__, str(exc)[:200])
    return Failure(ERROR, type(exc).__name__, str(exc)[:200])


def stronger(a: str, b: str) -> str:
    """The status that says more about missing coverage."""
    return a if _SEVERITY.get(a, 1) >= _SEVERITY.get(b, 1) else b
