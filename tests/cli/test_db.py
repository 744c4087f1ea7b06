"""``aispm db update`` / ``db status`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aispm.advisories import AdvisoryDB
from aispm.advisories.download import read_metadata
from aispm.cli import db

FIXTURES = Path(__file__).parents[1] / "fixtures" / "advisories"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An OSV-like mirror: <base>/PyPI/all.zip and <base>/npm/all.zip built from the fixtures."""
    site = tmp_path / "site"
    for eco in ("PyPI", "npm"):
        (site / eco).mkdir(parents=True)
        with zipfile.ZipFile(site / eco / "all.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for record in sorted(FIXTURES.glob("*.json")):
                archive.writestr(record.name, record.read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()


def run(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a root command so that "db" stays a sub-command
    db.register(app)
    result = CliRunner().invoke(app, ["db", *args])
    return result.exit_code, " ".join(result.output.split())


def test_update_downloads_indexes_and_loads(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    base, _ = mirror
    dest = tmp_path / "advisories"
    code, output = run("update", "--dest", str(dest), "--url-base", base)
    assert code == 0, output
    assert (dest / "PyPI-all.zip").is_file() and (dest / "npm-all.zip").is_file()
    assert (dest / "PyPI-all.zip.index.json").is_file()
    assert not list(dest.glob(".*.part"))
    meta = read_metadata(dest)["ecosystems"]
    assert meta["PyPI"]["url"] == f"{base}/PyPI/all.zip" and meta["npm"]["records"] == 6
    assert "PyPI: 6 advisories" in output
    loaded = AdvisoryDB.load(dest)
    assert [a.id for a in loaded.affecting("PyPI", "torch", "2.0.1")] == ["GHSA-aisp-t0rc-0002"]
    assert [a.id for a in loaded.affecting("npm", "langchain", "0.1.0")] == ["GHSA-aisp-l4ng-0003"]
    code, output = run("status", "--dest", str(dest))
    assert code == 0
    assert "PyPI-all.zip" in output and "npm-all.zip" in output and "just now" in output


def test_one_ecosystem_only(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    base, _ = mirror
    code, output = run("update", "--dest", str(tmp_path), "--url-base", base, "-e", "npm")
    assert code == 0, output
    assert [p.name for p in tmp_path.glob("*.zip")] == ["npm-all.zip"]


def test_offline_exits_2_with_a_clear_message_and_keeps_the_last_download(
    tmp_path: Path, mirror: tuple[str, Path]
) -> None:
    base, _ = mirror
    assert run("update", "--dest", str(tmp_path), "--url-base", base, "-e", "PyPI")[0] == 0
    before = (tmp_path / "PyPI-all.zip").read_bytes()
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    code, output = run(
        "update", "--dest", str(tmp_path), "--url-base", f"http://127.0.0.1:{closed}", "--timeout", "2"
    )
    assert code == 2
    assert f"could not reach http://127.0.0.1:{closed}/PyPI/all.zip" in output
    assert "scans keep working from the last download or from --advisories DIR" in output
    assert (tmp_path / "PyPI-all.zip").read_bytes() == before
    assert AdvisoryDB.load(tmp_path).records == 6


def test_http_error_exits_2(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    base, _ = mirror
    code, output = run("update", "--dest", str(tmp_path), "--url-base", f"{base}/nowhere")
    assert code == 2 and "answered HTTP 404" in output
    assert not list(tmp_path.glob("*.zip"))


def test_non_zip_download_is_rejected(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    base, site = mirror
    (site / "bad" / "PyPI").mkdir(parents=True)
    (site / "bad" / "PyPI" / "all.zip").write_text("<html>maintenance</html>")
    dest = tmp_path / "dest"
    code, output = run("update", "--dest", str(dest), "--url-base", f"{base}/bad", "-e", "PyPI")
    assert code == 2 and "did not send a zip archive" in output
    assert not list(dest.iterdir())  # no zip, no partial file, no metadata


def test_unknown_ecosystem_and_empty_status(tmp_path: Path) -> None:
    code, output = run("update", "--dest", str(tmp_path), "-e", "crates.io")
    assert code == 2 and "not supported" in output
    code, output = run("status", "--dest", str(tmp_path))
    assert code == 0 and "No advisory database" in output and "aispm db update" in output
