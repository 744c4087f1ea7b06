"""``aispm admission serve`` answers real AdmissionReview v1 requests over TLS."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aispm-admission.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def webhook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("admission")
    cert, key = _self_signed(tmp)
    policy = tmp / "policy.yaml"
    policy.write_text("approved_registries: [registry.acme.io]\napproved_model_servers: [vllm]\n")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aispm",
            "admission",
            "serve",
            "--cert",
            str(cert),
            "--key",
            str(key),
            "--policy",
            str(policy),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", verify=str(cert), timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
            if proc.poll() is not None:
                pytest.fail(f"webhook exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        yield url, cert
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _review(url: str, cert: Path, obj: dict[str, Any], namespace: str = "ai") -> dict[str, Any]:
    uid = str(uuid.uuid4())
    body = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": obj["kind"]},
            "resource": {"group": "", "version": "v1", "resource": obj["kind"].lower() + "s"},
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "tester"},
            "object": obj,
            "dryRun": False,
        },
    }
    response = httpx.post(f"{url}/validate", json=body, verify=str(cert), timeout=10)
    assert response.status_code == 200
    review = response.json()
    assert review["apiVersion"] == "admission.k8s.io/v1" and review["kind"] == "AdmissionReview"
    assert review["response"]["uid"] == uid
    return dict(review["response"])


def _pod(image: str, args: list[str] | None = None, host_network: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "hostNetwork": host_network,
            "containers": [{"name": "c", "image": image, "args": args or []}],
        },
    }


def test_allows_approved_server_from_approved_registry(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    r = _review(url, cert, _pod("registry.acme.io/vllm/vllm-openai:v0.6.3", ["--api-key", "x"]))
    assert r["allowed"] is True


def test_allows_non_ai_pod(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    assert _review(url, cert, _pod("nginx:1.27"))["allowed"] is True


def test_denies_unapproved_server_and_registry(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    r = _review(url, cert, _pod("ollama/ollama:0.3.12"))
    assert r["allowed"] is False and r["status"]["code"] == 403
    assert "AISPM-K8S-010" in r["status"]["message"] and "AISPM-K8S-008" in r["status"]["message"]


def test_denies_unauthenticated_model_server_on_host_network(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    r = _review(url, cert, _pod("registry.acme.io/vllm/vllm-openai:v0.6.3", host_network=True))
    assert r["allowed"] is False and "AISPM-K8S-001" in r["status"]["message"]


def test_denies_load_balancer_on_model_server_port(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "ollama"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "ollama"}, "ports": [{"port": 11434}]},
    }
    assert _review(url, cert, svc)["allowed"] is False
    svc["spec"]["type"] = "ClusterIP"  # type: ignore[index]
    assert _review(url, cert, svc)["allowed"] is True


def test_rejects_what_is_not_an_admission_review(webhook: tuple[str, Path]) -> None:
    url, cert = webhook
    assert (
        httpx.post(f"{url}/validate", json={"kind": "Pod"}, verify=str(cert), timeout=10).status_code == 400
    )
