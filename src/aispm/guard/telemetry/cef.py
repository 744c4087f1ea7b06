"""Gateway events as ArcSight CEF lines, sent to syslog over UDP or TCP."""

from __future__ import annotations

import socket
from datetime import datetime

from aispm import __version__
from aispm.guard.config import SyslogConfig
from aispm.guard.store import GuardEvent

_SEVERITY = {"block": 8, "denied": 6, "redact": 6, "flag": 4, "error": 5, "allow": 2}


def _header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def _ext(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("=", "\\=")
    return text.replace("\r", "\\r").replace("\n", "\\n")


def cef_line(event: GuardEvent) -> str:
    """``CEF:0|aispm|guard|version|signature|name|severity|extension`` of one event."""
    detectors = sorted({f"{d['detector']}:{d['type']}" for d in event.detections})
    extension = {
        "rt": int(datetime.fromisoformat(event.ts).timestamp() * 1000),
        "suser": event.key_name or "",
        "src": event.caller or "",
        "request": event.path,
        "requestMethod": "POST",
        "outcome": event.verdict,
        "act": event.verdict,
        "cs1Label": "model",
        "cs1": event.model or "",
        "cs2Label": "detections",
        "cs2": ",".join(detectors),
        "cs3Label": "upstream",
        "cs3": event.upstream_url or "",
        "cn1Label": "latencyMs",
        "cn1": int(event.latency_ms),
        "cn2Label": "tokensIn",
        "cn2": event.tokens_in or 0,
        "cn3Label": "tokensOut",
        "cn3": event.tokens_out or 0,
        "externalId": event.request_id,
    }
    ext = " ".join(f"{k}={_ext(v)}" for k, v in extension.items() if v != "")
    name = f"LLM request {event.verdict}"
    return (
        f"CEF:0|aispm|guard|{_header(__version__)}|guard.{_header(event.verdict)}|{_header(name)}|"
        f"{_SEVERITY.get(event.verdict, 3)}|{ext}"
    )


class SyslogSender:
    """RFC 5424 syslog messages (facility local0) carrying CEF; TCP frames end with a newline."""

    def __init__(self, config: SyslogConfig) -> None:
        self.config = config
        self._sock: socket.socket | None = None
        self._host = socket.gethostname() or "-"

    def _socket(self) -> socket.socket:
        if self._sock is None:
            if self.config.protocol == "udp":
                self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            else:
                self._sock = socket.create_connection((self.config.host, self.config.port), timeout=5)
        return self._sock

    def send(self, events: list[GuardEvent]) -> None:
        for event in events:
            pri = 16 * 8 + (4 if event.verdict in ("block", "denied") else 6)
            message = f"<{pri}>1 {event.ts} {self._host} aispm-guard - - - {cef_line(event)}".encode()
            try:
                sock = self._socket()
                if self.config.protocol == "udp":
                    sock.sendto(message, (self.config.host, self.config.port))
                else:
                    sock.sendall(message + b"\n")
            except OSError:
                if self._sock is not None:
                    self._sock.close()
                self._sock = None
                raise
