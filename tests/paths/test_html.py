"""The HTML page renders each path as an SVG graph in a real headless Chromium, offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from aispm.paths.graph import build_graph
from aispm.paths.render import path_json
from aispm.paths.search import find_paths
from aispm.report.graph_html import json_for_script, render_paths_html

from .estate import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page() -> str:
    ag = build_graph(build())
    paths = [path_json(ag, p) for p in find_paths(ag)]
    return render_paths_html(
        "fixture </script><b>x", paths, ag.graph.number_of_nodes(), ag.graph.number_of_edges()
    )


def test_page_is_self_contained_and_escaped() -> None:
    html = page()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "<b>x" not in html
    assert "script-src 'sha256-" in unescape(html)
    assert json_for_script({"a": "</script>"}) == '{"a": "\\u003c/script\\u003e"}'


def test_chromium_draws_nodes(tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (ensure_chromium in .ci/services.sh)")
        pytest.skip("chromium not installed (scripts/test.sh installs it when run as root)")
    target = tmp_path / "paths.html"
    target.write_text(page(), encoding="utf-8")
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = proc.stdout
    assert 'data-rendered="' in dom, proc.stderr[-2000:]
    assert len(re.findall(r'<g class="node ', dom)) >= 6
    assert "<circle" in dom and "infer-role" in dom


def test_chromium_click_shows_details_on_the_paths_page(tmp_path: Path) -> None:
    """The same renderer as the scan report's: a mouse click on a node shows its details."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
    from cdp_browser import Page

    target = tmp_path / "paths.html"
    target.write_text(page(), encoding="utf-8")
    browser = Page(tmp_path / "profile")
    try:
        browser.open(target)
        browser.click('svg.graph[data-path="1"] g.node.jewel')
        text = browser.eval("document.querySelector('[data-details=\"1\"]').textContent")
        assert text.startswith("data_store: training-data\n")
        assert "reached by: can_write (ease 0.9, via s3:PutObject) → change" in text
        assert browser.requested_urls() == [target.as_uri()]
    finally:
        browser.close()
