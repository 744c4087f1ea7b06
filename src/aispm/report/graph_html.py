"""``aispm paths --format html``: each attack path drawn as a graph to pan, zoom and click.

Self-contained and offline: the SVG renderer is this package's own script
(``templates/paths_graph.js``), inlined like the CSS; the page's Content Security Policy allows
only those two by hash.  Scan text reaches the page only through Jinja2 autoescape and a JSON
block whose ``<``, ``>`` and ``&`` are escaped, and the script writes it with ``textContent``.
"""

from __future__ import annotations

import json
from typing import Any

from aispm.report.common import TOOL_NAME, TOOL_VERSION
from aispm.report.html_report import _asset_text, _csp_hash, _env


def json_for_script(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_paths_html(target: str, paths: list[dict[str, Any]], nodes: int, edges: int) -> str:
    """The page for paths already turned into JSON by :func:`aispm.paths.render.path_json`."""
    from markupsafe import Markup

    css = _asset_text("paths.css")
    js = _asset_text("paths_graph.js")
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(css)}'; script-src '{_csp_hash(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return _env.get_template("paths.html.j2").render(
        tool={"name": TOOL_NAME, "version": TOOL_VERSION},
        target=target,
        paths=paths,
        nodes=nodes,
        edges=edges,
        csp=csp,
        css=Markup(css),
        js=Markup(js),
        data=Markup(json_for_script({"paths": paths})),
    )
