"""The scan report's "Attack paths" section in a real headless Chromium: it renders, each path is
drawn as a graph (offline, under the page's Content Security Policy), and a click on a node, a
drag and the wheel work as they do for a person."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp_browser import Page

from aispm.paths.analysis import analyse, with_escalations
from aispm.report.html_report import render_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paths.estate import build

GRAPH = 'svg.graph[data-path="0"]'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, Path]]:
    root = tmp_path_factory.mktemp("report")
    page_file = root / "report.html"
    page_file.write_text(render_html(with_escalations(build())), encoding="utf-8")
    page = Page(root / "profile")
    try:
        page.open(page_file)
        yield page, page_file
    finally:
        page.close()


def js(page: Page, expression: str) -> object:
    return page.eval(expression)


def test_section_renders_with_ranked_paths(report: tuple[Page, Path]) -> None:
    page, _ = report
    total = len(analyse(build()).paths)
    assert js(page, "document.querySelector('#attack-paths h2').textContent").startswith(
        f"Attack paths ({total} found"
    )
    assert js(page, "document.querySelectorAll('#attack-paths details.path').length") == total
    first = js(page, "document.querySelector('#path-1 summary').textContent")
    assert isinstance(first, str) and first.startswith("#1 · score 8.1 · change Privileged identity")
    steps = js(page, "Array.from(document.querySelectorAll('#path-1 .steps li')).map(li => li.textContent)")
    assert isinstance(steps, list) and len(steps) == 2
    assert "infer-role" in steps[1] and "AISPM-AWS-040 medium → critical" in steps[1]
    assert "AML.T0040" in str(js(page, "document.querySelector('#path-1 .atlas').textContent"))
    toxic = js(page, "document.querySelector('#attack-paths table.toxic').textContent")
    assert "public-inference-broad-role" in str(toxic)


def test_every_path_graph_has_its_nodes_drawn(report: tuple[Page, Path]) -> None:
    page, _ = report
    drawn = js(
        page,
        "Array.from(document.querySelectorAll('#attack-paths svg.graph')).map(s => "
        "[Number(s.getAttribute('data-rendered')), s.querySelectorAll('g.node circle').length])",
    )
    assert isinstance(drawn, list) and drawn
    assert all(rendered == circles and circles >= 2 for rendered, circles in drawn)
    labels = js(page, f"Array.from(document.querySelectorAll('{GRAPH} g.node text')).map(t => t.textContent)")
    assert isinstance(labels, list) and {"infer url", "infer", "infer-role"} <= set(labels)
    box = js(
        page,
        f"(() => {{ const r = document.querySelector('{GRAPH} g.node.jewel').getBoundingClientRect();"
        " return [r.width, r.height]; })()",
    )
    assert isinstance(box, list) and box[0] > 10 and box[1] > 10  # laid out, not just in the DOM


def test_clicking_a_node_shows_its_details(report: tuple[Page, Path]) -> None:
    page, _ = report
    details = "document.querySelector('[data-details=\"0\"]').textContent"
    assert js(page, details) == "Click a node for its details."
    page.click(f"{GRAPH} g.node.jewel")
    text = str(js(page, details))
    assert text.startswith("identity: infer-role\nid: urn:aispm:aws:iam:role:")
    assert "reached by: runs_as (ease 0.9) → change" in text
    assert "finding: AISPM-AWS-040 medium → critical (toxic combination)" in text
    assert "crown jewel: Privileged identity" in text
    assert js(page, f"document.querySelector('{GRAPH} g.node.jewel').classList.contains('selected')")
    page.click(f"{GRAPH} g.node.entry")
    text = str(js(page, details))
    assert text.startswith("model_endpoint: infer url")
    assert "entry point: Lambda function URL without authentication (invoke)" in text
    assert not js(page, f"document.querySelector('{GRAPH} g.node.jewel').classList.contains('selected')")


def test_drag_pans_and_wheel_zooms(report: tuple[Page, Path]) -> None:
    page, _ = report
    view = f"document.querySelector('{GRAPH} g.view').getAttribute('transform')"
    js(page, f"document.querySelector('{GRAPH}').scrollIntoView({{block: 'center'}})")
    r = js(
        page,
        f"(() => {{ const r = document.querySelector('{GRAPH}').getBoundingClientRect();"
        " return [r.x + 20, r.y + 20]; })()",
    )
    assert isinstance(r, list)
    x, y = r
    page.send(
        "Input.dispatchMouseEvent",
        {"type": "mousePressed", "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1},
    )
    page.send(
        "Input.dispatchMouseEvent",
        {"type": "mouseMoved", "x": x + 60, "y": y + 25, "button": "left", "buttons": 1},
    )
    page.send(
        "Input.dispatchMouseEvent",
        {"type": "mouseReleased", "x": x + 60, "y": y + 25, "button": "left", "clickCount": 1},
    )
    assert js(page, view) == "translate(60,25) scale(1)"
    page.send("Input.dispatchMouseEvent", {"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": -120})
    zoomed = str(js(page, view))
    assert zoomed.endswith("scale(1.15)")


def test_offline_and_within_its_content_security_policy(report: tuple[Page, Path]) -> None:
    page, page_file = report
    assert page.requested_urls() == [page_file.as_uri()]
    assert not [e for e in page.log_entries() if "Content Security Policy" in e or "Refused" in e], (
        page.log_entries()
    )
    # the report's own script ran too (finding filters), next to the graph script
    assert js(page, "document.getElementById('shown').textContent").endswith("shown")
    data = json.loads(str(js(page, "document.getElementById('paths-data').textContent")))
    assert data["paths"][0]["crown_jewel"]["name"] == "infer-role"
