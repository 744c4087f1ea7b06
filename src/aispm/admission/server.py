"""The HTTPS server of the webhook (standard library ``http.server`` + ``ssl``)."""

from __future__ import annotations

import json
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aispm.admission.review import review
from aispm.posture import Policy

MAX_BODY = 3 * 1024 * 1024
"""The API server never sends more than this (etcd's object size limit)."""


def make_server(
    policy: Policy, cert: Path, key: Path, host: str = "0.0.0.0", port: int = 8443
) -> ThreadingHTTPServer:
    """A TLS server answering ``POST /validate`` (AdmissionReview v1) and ``GET /healthz``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "aispm-admission"

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(200, b"ok", "text/plain")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.split("?")[0] not in ("/validate", "/"):
                self._send(404, b"not found", "text/plain")
                return
            if length <= 0 or length > MAX_BODY:
                self._send(413 if length > MAX_BODY else 400, b"bad request body", "text/plain")
                return
            try:
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict) or body.get("kind") != "AdmissionReview":
                    raise ValueError("not an AdmissionReview")
            except ValueError as exc:
                self._send(400, f"invalid AdmissionReview: {exc}".encode(), "text/plain")
                return
            self._send(200, json.dumps(review(body, policy)).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def serve(policy: Policy, cert: Path, key: Path, host: str = "0.0.0.0", port: int = 8443) -> None:
    """Serve until interrupted."""
    server = make_server(policy, cert, key, host, port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
