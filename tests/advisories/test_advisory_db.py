"""Loading the advisory database from JSON files and OSV zip exports, and querying it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from aispm.advisories import AdvisoryDB, AdvisoryLoadError
from aispm.advisories.db import INDEX_SUFFIX, MAX_RECORD_BYTES, write_zip_index

FIXTURES = Path(__file__).parent.parent / "fixtures" / "advisories"


def build_zip(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in sorted(FIXTURES.glob("*.json")):
            archive.writestr(record.name, record.read_bytes())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def ids(db: AdvisoryDB, ecosystem: str, name: str, version: str) -> list[str]:
    return [a.id for a in db.affecting(ecosystem, name, version)]


def test_directory_of_json_records() -> None:
    db = AdvisoryDB.load(FIXTURES)
    assert db.skipped == 0
    assert db.records == 6  # the withdrawn record is not counted
    # PYSEC-2099-101 is an alias of the GHSA: reported once, by the record with a severity
    assert ids(db, "PyPI", "transformers", "4.30.0") == ["GHSA-aisp-tr4n-0001"]
    assert ids(db, "PyPI", "transformers", "4.36.0") == []
    assert ids(db, "PyPI", "torch", "2.0.1") == ["GHSA-aisp-t0rc-0002"]  # withdrawn one ignored
    assert ids(db, "PyPI", "torch", "2.6.0") == []
    assert ids(db, "npm", "langchain", "0.1.36") == ["GHSA-aisp-l4ng-0003"]
    assert ids(db, "npm", "langchain", "0.2.0") == []
    assert ids(db, "PyPI", "langchain", "0.1.0") == []  # other ecosystem
    assert ids(db, "PyPI", "numpy", "1.0.0") == []


def test_zip_export_is_read_without_extracting_and_bad_members_are_counted(tmp_path: Path) -> None:
    huge = b'{"id": "BIG", "summary": "' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}'
    archive = build_zip(
        tmp_path / "PyPI-all.zip",
        {"truncated.json": b'{"id": "T", "affected": [', "notes.txt": b"ignored", "huge.json": huge},
    )
    db = AdvisoryDB.load(archive)
    assert db.skipped == 2
    assert db.records == 6
    assert ids(db, "PyPI", "torch", "1.13.0") == ["GHSA-aisp-t0rc-0002"]
    assert list(tmp_path.iterdir()) == [archive]  # nothing extracted, no side-car written
    db.close()


def test_side_car_index_is_used_while_current(tmp_path: Path) -> None:
    archive = build_zip(tmp_path / "npm-all.zip")
    index = write_zip_index(archive)
    sidecar = tmp_path / ("npm-all.zip" + INDEX_SUFFIX)
    data = json.loads(sidecar.read_text())
    assert data["index"]["npm"]["langchain"] == ["GHSA-aisp-l4ng-0003.json"]
    assert index.records == 6
    # a tampered but current side-car is believed (proof that it is used) ...
    data["index"]["npm"] = {}
    sidecar.write_text(json.dumps(data))
    assert ids(AdvisoryDB.load(tmp_path), "npm", "langchain", "0.1.0") == []
    # ... and ignored once the zip changes
    build_zip(archive, {"extra.json": b'{"id": "E", "affected": []}'})
    assert ids(AdvisoryDB.load(tmp_path), "npm", "langchain", "0.1.0") == ["GHSA-aisp-l4ng-0003"]


def test_directory_holding_zips_and_json(tmp_path: Path) -> None:
    build_zip(tmp_path / "PyPI-all.zip")
    (tmp_path / "metadata.json").write_text('{"ecosystems": {}}')
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "extra.json").write_text(
        json.dumps(
            {
                "id": "LOCAL-1",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "vllm"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0.5.0"}, {"fixed": "0.5.5"}]},
                            {
                                "type": "ECOSYSTEM",
                                "events": [{"introduced": "0.6.0"}, {"last_affected": "0.6.3"}],
                            },
                        ],
                    }
                ],
            }
        )
    )
    db = AdvisoryDB.load(tmp_path)
    assert db.skipped == 0  # metadata.json is not mistaken for a record
    assert ids(db, "PyPI", "vllm", "0.5.1") == ["LOCAL-1"]
    assert ids(db, "PyPI", "vllm", "0.5.7") == []
    assert ids(db, "PyPI", "vllm", "0.6.3") == ["LOCAL-1"]
    assert ids(db, "PyPI", "vllm", "0.6.4") == []
    assert ids(db, "PyPI", "transformers", "4.0.0") == ["GHSA-aisp-tr4n-0001"]


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryLoadError, match="no such file"):
        AdvisoryDB.load(tmp_path / "missing")
    with pytest.raises(AdvisoryLoadError, match="no OSV records"):
        AdvisoryDB.load(tmp_path)
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"\x00\x01 not a zip")
    with pytest.raises(AdvisoryLoadError, match="not a readable zip"):
        AdvisoryDB.load(bogus)


def test_malformed_json_files_are_skipped_with_a_count(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes((FIXTURES / "GHSA-aisp-t0rc-0002.json").read_bytes())
    (tmp_path / "bad.json").write_text("{ not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    db = AdvisoryDB.load(tmp_path)
    assert (db.records, db.skipped) == (1, 2)


def test_load_default_uses_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert AdvisoryDB.load_default() is None
    target = tmp_path / "aispm" / "advisories"
    target.mkdir(parents=True)
    build_zip(target / "PyPI-all.zip")
    db = AdvisoryDB.load_default()
    assert db is not None and ids(db, "PyPI", "torch", "2.0.1") == ["GHSA-aisp-t0rc-0002"]
