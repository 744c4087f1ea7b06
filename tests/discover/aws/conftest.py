"""A moto server (started once per test session, over HTTP) behind the test stub, and an
environment that points boto3 at it exactly as a user would: ``AWS_ENDPOINT_URL``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_env import aws_environment
from aws_stub import Stub

ACCOUNT = "123456789012"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_port() -> Iterator[int]:
    port = _free_port()
    binary = Path(sys.executable).with_name("moto_server")
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    proc = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def stub(moto_port: int) -> Iterator[Stub]:
    server = Stub(moto_port)
    yield server
    server.close()


@pytest.fixture
def aws(stub: Stub, moto_port: int) -> Iterator[Stub]:
    with aws_environment(stub, moto_port) as ready:
        yield ready
