"""Helm charts are rendered with their default values by the safe template subset."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aispm.discover.kubernetes.helm import render_chart
from aispm.discover.kubernetes.helm_template import Renderer, Unsupported, parse

CHART = Path(__file__).parent / "fixtures" / "chart"


def _render(text: str, values: dict[str, object]) -> str:
    body, defines = parse(text)
    return Renderer({"Values": values, "Release": {"Name": "r"}, "Chart": {"Name": "c"}}, defines).render(
        body
    )


def test_chart_renders_with_defaults_and_warns_on_unsupported() -> None:
    rendered, warnings = render_chart(CHART, lambda p: p.read_text())
    docs = {Path(p).name: yaml.safe_load(t) for p, t in rendered}
    dep = docs["deployment.yaml"]
    assert dep["metadata"]["name"] == "release-name-litellm"
    assert dep["metadata"]["labels"] == {"app": "release-name-litellm"}
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/berriai/litellm:main-v1.50.0"
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]  # masterKey "" -> no key
    assert docs["service.yaml"]["spec"]["type"] == "LoadBalancer"
    assert [Path(p).name for p, _ in warnings] == ["unsupported.yaml"]
    assert "genCA" in warnings[0][1]


def test_control_structures_and_functions() -> None:
    text = (
        "{{- range $k, $v := .Values.m }}{{ $k }}={{ $v | quote }};{{ end -}}"
        '{{ if not .Values.off }}on{{ else }}off{{ end }}|{{ .Values.missing | default "d" | upper }}'
        '|{{ printf "%s-%d" .Release.Name 3 }}|{{- with .Values.list }}{{ toYaml . | nindent 2 }}{{ end }}'
    )
    out = _render(text, {"m": {"b": 2, "a": "x"}, "off": False, "list": [1, 2]})
    assert out == 'a="x";b="2";on|D|r-3|\n  - 1\n  - 2'


@pytest.mark.parametrize(
    "text",
    [
        '{{ genPrivateKey "rsa" }}',
        '{{ .Files.Get "x" }}',
        "{{ if .Values.x }}open",
        "{{ .Values.x | nosuch }}",
    ],
)
def test_unsupported_constructs_raise(text: str) -> None:
    with pytest.raises(Unsupported):
        _render(text, {"x": "y"})
