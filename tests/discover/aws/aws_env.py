"""The environment of an AWS test: a clean moto + stub, reached only through ``AWS_ENDPOINT_URL``."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aws_stub import Stub


@contextmanager
def aws_environment(stub: Stub, moto_port: int) -> Iterator[Stub]:
    """A clean moto + stub, and boto3 configured through the environment only."""
    request = urllib.request.Request(f"http://127.0.0.1:{moto_port}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    stub.state.reset()
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("AWS_"):
                mp.delenv(key)
        mp.setenv("AWS_ENDPOINT_URL", stub.url)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_MAX_ATTEMPTS", "1")
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        yield stub
