"""Enumerating model files: local paths and S3 prefixes (a real moto server over HTTP)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from aispm.artifacts.sources import (
    SourceError,
    artifact_asset,
    parse_s3_url,
    s3_client,
    scan_local,
    scan_s3,
)
from aispm.core.ids import urn
from aispm.core.model import AssetKind

CARD = "---\nlicense: mit\nbase_model: acme/base\n---\n# bert\n"
COMMAND = "echo aispm-harmless-test"


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes(8)


def malicious_pickle() -> bytes:
    """Opcodes of ``os.system(COMMAND)``: PROTO 2, GLOBAL, BINUNICODE, TUPLE1, REDUCE, STOP."""
    text = COMMAND.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(text)) + text + b"\x85R."


def test_parse_s3_url() -> None:
    target = parse_s3_url("s3://bucket/some/prefix")
    assert target is not None and (target.bucket, target.prefix) == ("bucket", "some/prefix")
    assert parse_s3_url("/local/path") is None
    with pytest.raises(SourceError, match="no bucket"):
        parse_s3_url("s3://")


def _put(s3: Any, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body)


def test_s3_prefix_is_listed_page_by_page_and_models_scanned(s3: Any, bucket: str) -> None:
    _put(s3, bucket, "team/bert/model.safetensors", safetensors_bytes())
    _put(s3, bucket, "team/bert/README.md", CARD.encode())
    _put(s3, bucket, "team/bert/config.json", b'{"_name_or_path": "acme/bert", "architectures": ["Bert"]}')
    _put(s3, bucket, "team/evil/model.pkl", malicious_pickle())
    _put(s3, bucket, "team/huge.bin", bytes(4096))
    for i in range(5):
        _put(s3, bucket, f"team/logs/run-{i}.txt", b"not a model")
    _put(s3, bucket, "other/outside.safetensors", safetensors_bytes())

    target = parse_s3_url(f"s3://{bucket}/team/")
    assert target is not None
    items = list(scan_s3(target, s3_client(), max_object_bytes=1024, page_size=2))
    by_name = {i.name: i for i in items}
    url = f"s3://{bucket}/team"
    assert set(by_name) == {f"{url}/bert/model.safetensors", f"{url}/evil/model.pkl", f"{url}/huge.bin"}

    bert = by_name[f"{url}/bert/model.safetensors"]
    assert bert.scan.format == "safetensors" and bert.scan.verdict == "clean"
    assert bert.asset_id == urn("aws", "model_artifact", f"{url}/bert/model.safetensors")
    assert bert.provenance.license == "mit" and bert.provenance.hub_repo == "acme/bert"
    asset = artifact_asset(bert)
    assert asset.kind is AssetKind.MODEL_ARTIFACT and asset.provider == "aws"
    assert asset.properties["s3"]["key"] == "team/bert/model.safetensors"
    assert asset.properties["scan"]["verdict"] == "clean" and asset.properties["format"] == "safetensors"

    evil = by_name[f"{url}/evil/model.pkl"]
    assert evil.scan.verdict == "malicious"
    assert any(COMMAND in i.detail for i in evil.scan.all_issues())
    assert not evil.provenance.source_known

    huge = by_name[f"{url}/huge.bin"]
    assert huge.scan.error is not None and "download limit" in huge.scan.error and huge.scan.sha256 is None


def test_all_objects_fetches_unknown_names_too(s3: Any, bucket: str) -> None:
    _put(s3, bucket, "blob", malicious_pickle())
    target = parse_s3_url(f"s3://{bucket}/")
    assert target is not None
    assert list(scan_s3(target, s3_client())) == []
    items = list(scan_s3(target, s3_client(), all_objects=True))
    assert [i.scan.verdict for i in items] == ["malicious"]


def test_missing_bucket_is_a_clear_error(aws_env: str) -> None:
    target = parse_s3_url("s3://no-such-bucket-aispm/x")
    assert target is not None
    with pytest.raises(SourceError, match="NoSuchBucket"):
        list(scan_s3(target, s3_client()))


def test_local_folder_ids_match_repository_scans(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / "models" / "w.safetensors").write_bytes(safetensors_bytes())
    (repo / "models" / "README.md").write_text(CARD)
    (repo / "models" / "evil.pkl").write_bytes(malicious_pickle())
    (repo / "notes.txt").write_text("hello")
    items = {i.name: i for i in scan_local(repo, root=repo, repo_key="repo")}
    assert set(items) == {"models/w.safetensors", "models/evil.pkl"}
    assert items["models/w.safetensors"].asset_id == urn(
        "code", "model_artifact", "repo", "models/w.safetensors"
    )
    assert items["models/w.safetensors"].provenance.license == "mit"
    assert items["models/evil.pkl"].scan.verdict == "malicious"
    single = list(scan_local(repo / "models" / "w.safetensors", root=repo, repo_key="repo"))
    assert [i.asset_id for i in single] == [items["models/w.safetensors"].asset_id]
    with pytest.raises(SourceError, match="no such file"):
        list(scan_local(repo / "missing.pt", root=repo, repo_key="repo"))
