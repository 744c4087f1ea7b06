"""An HTTP server in front of moto: answers what moto does not implement with real-shaped
responses, serves realistic errors (AccessDenied, throttling) and passes everything else on.

Services are told apart by the credential scope of the SigV4 ``Authorization`` header (the
signing name: ``bedrock``, ``ecr`` ...) and the region in it, exactly as AWS would see them.
Every stubbed response is checked against the botocore service model (``shape_errors``).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aws_shapes import shape_errors

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9\-]+)/([a-z0-9\-]+)/aws4_request")
_PROTOCOL = {
    "ec2": "ec2",
    "iam": "query",
    "sts": "query",
    "s3": "rest-xml",
    "sagemaker": "json",
    "ecr": "json",
    "aoss": "json",
}
"""Error format by signing name (rest-json for the others)."""


@dataclass
class StubState:
    """What the stub serves; tests change it and call :meth:`reset` between tests."""

    bedrock: dict[str, Any] | None = None
    """When set, the stub answers every Bedrock / Bedrock Agents call from this data."""
    deny: set[tuple[str, str]] = field(default_factory=set)
    """(signing name, region) pairs answered with AccessDenied; region "*" for every region."""
    deny_operations: set[str] = field(default_factory=set)
    """Operation names (X-Amz-Target suffix or S3 ``?policy`` style: ``s3:GetBucketPolicy:<bucket>``)."""
    throttle: Counter[str] = field(default_factory=Counter)
    """Operation -> number of ThrottlingException answers before passing on."""
    calls: Counter[str] = field(default_factory=Counter)
    monitoring_schedules: list[dict[str, Any]] = field(default_factory=list)
    """SageMaker ``MonitoringScheduleSummaries`` (moto has no ListMonitoringSchedules)."""
    service_credentials: list[dict[str, Any]] = field(default_factory=list)
    """IAM ``ServiceSpecificCredentialMetadata`` (moto has no ListServiceSpecificCredentials)."""
    shape_problems: list[str] = field(default_factory=list)
    page_size: int = 2

    def reset(self) -> None:
        self.bedrock = None
        self.deny.clear()
        self.deny_operations.clear()
        self.throttle.clear()
        self.calls.clear()
        self.monitoring_schedules.clear()
        self.service_credentials.clear()
        self.shape_problems.clear()


class Stub:
    def __init__(self, upstream_port: int) -> None:
        self.state = StubState()
        self.upstream_port = upstream_port
        handler = _handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            match = _SCOPE.search(self.headers.get("Authorization", ""))
            region, service = (match.group(1), match.group(2)) if match else ("", "")
            target = self.headers.get("X-Amz-Target", "")
            operation = target.rsplit(".", 1)[-1] if target else f"{self.command} {urlsplit(self.path).path}"
            if not operation and service in ("iam", "sts", "ec2"):
                operation = parse_qs(body.decode()).get("Action", [""])[0]
            if service in ("iam", "ec2", "sts"):
                operation = parse_qs(body.decode()).get("Action", [operation])[0]
            state = stub.state
            state.calls[f"{service}:{operation}"] += 1
            if (
                (service, region) in state.deny
                or (service, "*") in state.deny
                or operation in state.deny_operations
            ):
                return self._error(
                    service, 403, "AccessDenied", "User is not authorized to perform this action"
                )
            s3_op = self._s3_operation(service)
            if s3_op and s3_op in state.deny_operations:
                return self._error(service, 403, "AccessDenied", "Access Denied")
            if state.throttle[operation] > 0:
                state.throttle[operation] -= 1
                return self._error(service, 400, "ThrottlingException", "Rate exceeded")
            if service == "bedrock" and state.bedrock is not None:
                return self._bedrock(region, body)
            if service == "sagemaker" and operation == "ListMonitoringSchedules":
                return self._monitoring(json.loads(body or b"{}"))
            if service == "iam" and operation == "ListServiceSpecificCredentials":
                return self._service_credentials({k: v[0] for k, v in parse_qs(body.decode()).items()})
            self._forward(body)

        def _monitoring(self, query: dict[str, Any]) -> None:
            items = [
                m
                for m in stub.state.monitoring_schedules
                if not query.get("EndpointName") or m.get("EndpointName") == query["EndpointName"]
            ]
            params = {
                "maxResults": str(query.get("MaxResults") or ""),
                "nextToken": query.get("NextToken") or "",
            }
            payload = _page(items, "MonitoringScheduleSummaries", params, stub.state.page_size, "NextToken")
            stub.state.shape_problems.extend(shape_errors("sagemaker", "ListMonitoringSchedules", payload))
            self._send(200, json.dumps(payload).encode(), "application/x-amz-json-1.1")

        def _service_credentials(self, query: dict[str, str]) -> None:
            items = [
                c
                for c in stub.state.service_credentials
                if query.get("AllUsers") == "true" or c.get("UserName") == query.get("UserName")
            ]
            size = min(int(query.get("MaxItems") or stub.state.page_size), stub.state.page_size)
            start = int(query.get("Marker") or 0)
            page = items[start : start + size]
            stub.state.shape_problems.extend(
                shape_errors("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": page})
            )
            members = "".join(
                "<member>" + "".join(f"<{k}>{v}</{k}>" for k, v in c.items()) + "</member>" for c in page
            )
            more = start + size < len(items)
            marker = f"<Marker>{start + size}</Marker>" if more else ""
            xml = (
                '<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                f"<ListServiceSpecificCredentialsResult><ServiceSpecificCredentials>{members}"
                f"</ServiceSpecificCredentials><IsTruncated>{str(more).lower()}</IsTruncated>{marker}"
                "</ListServiceSpecificCredentialsResult><ResponseMetadata>"
                f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                "</ListServiceSpecificCredentialsResponse>"
            )
            self._send(200, xml.encode(), "text/xml")

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        def _s3_operation(self, service: str) -> str:
            if service != "s3":
                return ""
            parts = urlsplit(self.path)
            bucket = parts.path.strip("/").split("/", 1)[0]
            query = parts.query.split("=", 1)[0]
            return f"s3:{query}:{bucket}" if query else ""

        def _forward(self, body: bytes) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", stub.upstream_port, timeout=60)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, service: str, status: int, code: str, message: str) -> None:
            protocol = _PROTOCOL.get(service, "rest-json")
            rid = str(uuid.uuid4())
            if protocol == "ec2":
                code = "UnauthorizedOperation" if code == "AccessDenied" else code
                xml = (
                    f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
                    f"</Errors><RequestID>{rid}</RequestID></Response>"
                )
                return self._send(status, xml.encode(), "text/xml")
            if protocol == "query":
                xml = (
                    f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                    f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
                )
                return self._send(status, xml.encode(), "text/xml")
            if protocol == "rest-xml":
                xml = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{rid}</RequestId>"
                xml += "</Error>"
                return self._send(status, xml.encode(), "application/xml")
            if protocol == "json":
                code = "AccessDeniedException" if code == "AccessDenied" else code
                body = json.dumps({"__type": code, "message": message}).encode()
                return self._send(status, body, "application/x-amz-json-1.1")
            code = "AccessDeniedException" if code == "AccessDenied" else code
            body = json.dumps({"message": message}).encode()
            return self._send(
                status, body, "application/json", {"x-amzn-ErrorType": f"{code}:http://internal"}
            )

        def _bedrock(self, region: str, body: bytes) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if body:
                query.update({k: str(v) for k, v in json.loads(body).items()})
            found = _route(
                stub.state.bedrock or {}, region, self.command, parts.path, query, stub.state.page_size
            )
            if found is None:
                return self._error("bedrock", 404, "ResourceNotFoundException", f"no {parts.path}")
            service, operation, payload = found
            stub.state.shape_problems.extend(shape_errors(service, operation, payload))
            self._send(200, json.dumps(payload).encode(), "application/json")

    return Handler


def _page(
    items: list[Any], key: str, query: dict[str, str], page_size: int, token_key: str = "nextToken"
) -> dict[str, Any]:
    size = min(int(query.get("maxResults") or page_size), page_size)
    start = int(query.get("nextToken") or 0)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out[token_key] = str(start + size)
    return out


def _summary(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: item[k] for k in keys if k in item}


def _route(
    data: dict[str, Any], region: str, method: str, path: str, query: dict[str, str], page_size: int
) -> tuple[str, str, dict[str, Any]] | None:
    """(botocore service, operation, response) for a Bedrock / Bedrock Agents request."""
    d = data.get(region, {})
    p = [unquote(part) for part in path.rstrip("/").split("/")[1:]]
    b, a = "bedrock", "bedrock-agent"
    guardrails = d.get("guardrails", [])
    agents = d.get("agents", [])
    kbs = d.get("knowledge_bases", [])
    if method == "GET" and p == ["guardrails"]:
        keys = ("id", "arn", "status", "name", "version", "createdAt", "updatedAt")
        return (
            b,
            "ListGuardrails",
            _page(
                [_summary(g, keys) | {"id": g["guardrailId"], "arn": g["guardrailArn"]} for g in guardrails],
                "guardrails",
                query,
                page_size,
            ),
        )
    if method == "GET" and len(p) == 2 and p[0] == "guardrails":
        for g in guardrails:
            if p[1] in (g["guardrailId"], g["guardrailArn"]):
                return b, "GetGuardrail", g
        return None
    if method == "GET" and p == ["foundation-models"]:
        return b, "ListFoundationModels", {"modelSummaries": d.get("foundation_models", [])}
    if method == "GET" and p == ["custom-models"]:
        return b, "ListCustomModels", {"modelSummaries": []}
    if method == "GET" and p == ["imported-models"]:
        keys = ("modelArn", "modelName", "creationTime")
        return (
            b,
            "ListImportedModels",
            _page(
                [_summary(m, keys) for m in d.get("imported_models", [])], "modelSummaries", query, page_size
            ),
        )
    if method == "GET" and len(p) == 2 and p[0] == "imported-models":
        for m in d.get("imported_models", []):
            if p[1] in (m["modelArn"], m["modelName"]):
                return b, "GetImportedModel", m
        return None
    if method == "GET" and p == ["provisioned-model-throughputs"]:
        return b, "ListProvisionedModelThroughputs", {"provisionedModelSummaries": []}
    if method == "GET" and p == ["logging", "modelinvocations"]:
        config = d.get("logging")
        return b, "GetModelInvocationLoggingConfiguration", {"loggingConfig": config} if config else {}
    if method == "POST" and p == ["agents"]:
        keys = ("agentId", "agentName", "agentStatus", "updatedAt", "latestAgentVersion")
        return a, "ListAgents", _page([_summary(x, keys) for x in agents], "agentSummaries", query, page_size)
    agent = next((x for x in agents if len(p) > 1 and p[0] == "agents" and x["agentId"] == p[1]), None)
    if agent is not None:
        if method == "GET" and len(p) == 2:
            return (
                a,
                "GetAgent",
                {"agent": {k: v for k, v in agent.items() if k not in ("action_groups", "knowledge_bases")}},
            )
        groups = agent.get("action_groups", [])
        if method == "POST" and p[2:] == ["agentversions", "DRAFT", "actiongroups"]:
            keys = ("actionGroupId", "actionGroupName", "actionGroupState", "updatedAt")
            return (
                a,
                "ListAgentActionGroups",
                _page([_summary(g, keys) for g in groups], "actionGroupSummaries", query, page_size),
            )
        if method == "GET" and p[2:5] == ["agentversions", "DRAFT", "actiongroups"] and len(p) == 6:
            for g in groups:
                if g["actionGroupId"] == p[5]:
                    return a, "GetAgentActionGroup", {"agentActionGroup": g}
        if method == "POST" and p[2:] == ["agentversions", "DRAFT", "knowledgebases"]:
            return (
                a,
                "ListAgentKnowledgeBases",
                _page(agent.get("knowledge_bases", []), "agentKnowledgeBaseSummaries", query, page_size),
            )
        return None
    if method == "POST" and p == ["knowledgebases"]:
        keys = ("knowledgeBaseId", "name", "status", "updatedAt")
        return (
            a,
            "ListKnowledgeBases",
            _page([_summary(k, keys) for k in kbs], "knowledgeBaseSummaries", query, page_size),
        )
    kb = next(
        (k for k in kbs if len(p) > 1 and p[0] == "knowledgebases" and k["knowledgeBaseId"] == p[1]), None
    )
    if kb is not None:
        sources = kb.get("data_sources", [])
        if method == "GET" and len(p) == 2:
            return (
                a,
                "GetKnowledgeBase",
                {"knowledgeBase": {k: v for k, v in kb.items() if k != "data_sources"}},
            )
        if method == "POST" and p[2:] == ["datasources"]:
            keys = ("knowledgeBaseId", "dataSourceId", "name", "status", "updatedAt")
            return (
                a,
                "ListDataSources",
                _page([_summary(s, keys) for s in sources], "dataSourceSummaries", query, page_size),
            )
        if method == "GET" and len(p) == 4 and p[2] == "datasources":
            for s in sources:
                if s["dataSourceId"] == p[3]:
                    return a, "GetDataSource", {"dataSource": s}
        return None
    for plural, op_list, op_get, key in (
        ("prompts", "ListPrompts", "GetPrompt", "promptSummaries"),
        ("flows", "ListFlows", "GetFlow", "flowSummaries"),
    ):
        items = d.get(plural, [])
        if method == "GET" and p == [plural]:
            keys = ("name", "id", "arn", "version", "status", "createdAt", "updatedAt")
            return a, op_list, _page([_summary(i, keys) for i in items], key, query, page_size)
        if method == "GET" and len(p) == 2 and p[0] == plural:
            for i in items:
                if p[1] in (i["id"], i["arn"]):
                    return a, op_get, i
            return None
    return None
