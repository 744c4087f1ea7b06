"""Go-template and Sprig constructs common in public Helm charts, sub-chart values and library
charts.  Each chart is a minimal one written for the construct it exercises."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aispm.core.model import Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.kubernetes import manifest_analyzers
from aispm.discover.kubernetes.helm import render_chart
from aispm.discover.kubernetes.helm_template import Renderer, Unsupported, parse, semver_compare


def _render(text: str, values: dict[str, object], defines_text: str = "") -> str:
    body, defines = parse(text)
    if defines_text:
        defines.update(parse(defines_text)[1])
    root = {"Values": values, "Release": {"Name": "r", "Namespace": "ns"}, "Chart": {"Name": "c"}}
    return Renderer(root, defines).render(body)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('{{ ternary "a" "b" .Values.on }}', {"on": False}, "b"),
        (
            '{{ .Values.tag | default (ternary "x-rocm" "x" (eq .Values.kind "amd")) }}',
            {"kind": "amd"},
            "x-rocm",
        ),
        ("{{ $l := list 1 }}{{ $l = append $l 2 }}{{ concat $l (list 2 3) | uniq | toJson }}", {}, "[1,2,3]"),
        (
            '{{ $m := dict "a" 1 }}{{ if .Values.on }}{{ $m = merge $m (dict "b" 2) }}{{ end }}'
            "{{ toJson $m }}",
            {"on": True},
            '{"a":1,"b":2}',
        ),
        (
            '{{ toJson (deepCopy (dict "limits" (dict "gpu" 1)) | mergeOverwrite .Values.res) }}',
            {"res": {"limits": {"cpu": 2, "gpu": 0}}},
            '{"limits":{"cpu":2,"gpu":1}}',
        ),
        ("{{ (index .Values.items 1).name }}", {"items": [{"name": "a"}, {"name": "b"}]}, "b"),
        ("{{ tpl .Values.t . }}", {"t": "{{ .Release.Name }}-x"}, "r-x"),
        (
            "{{ range .Values.n }}{{ if eq . 3 }}{{ break }}{{ end }}"
            "{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            {"n": [0, 1, 2, 3, 4]},
            "02",
        ),
        (
            '{{ if and .Values.a\n      (or (eq .Values.b "x")\n          (not .Values.c)) }}yes{{ end }}',
            {"a": 1, "b": "y"},
            "yes",
        ),
        ("{{ with .Values.missing }}a{{ else with .Values.other }}{{ . }}{{ end }}", {"other": "b"}, "b"),
        ('{{ (lookup "v1" "Secret" "ns" "s").data | default "none" }}', {}, "none"),
        ('{{ coalesce .Values.a .Values.b "c" }}', {"b": ""}, "c"),
        ('{{ printf "%s:%d" "port" 80 }}', {}, "port:80"),
        ('{{ regexReplaceAll "-+" "a--b" "_" }}', {}, "a_b"),
        ("{{ .Values.port | int | add 1 }}", {"port": "8000"}, "8001"),
        ('{{ kindIs "map" .Values.m }}/{{ hasKey .Values.m "k" }}', {"m": {"k": 1}}, "true/true"),
    ],
)
def test_sprig_and_go_template_constructs(text: str, values: dict[str, object], expected: str) -> None:
    assert _render(text, values) == expected


def test_dollar_is_the_data_passed_to_a_named_template() -> None:
    defines = '{{- define "t" -}}{{ $.name }}/{{ .name }}{{- end -}}'
    assert _render('{{ include "t" .Values.x }}', {"x": {"name": "n"}}, defines) == "n/n"


def test_semver_constraints_are_checked() -> None:
    assert semver_compare(">=1.19-0", "v1.30.0")
    assert not semver_compare("<1.19-0", "v1.30.0")
    assert semver_compare("~1.30", "1.30.4") and not semver_compare("~1.29", "1.30.0")
    assert semver_compare(">1.0, <2.0 || >=3", "3.1.0")


def test_unsupported_constructs_still_skip_the_template() -> None:
    with pytest.raises(Unsupported):
        _render('{{ fail "set a value" }}', {})


def test_chart_with_capabilities_files_and_template_paths(tmp_path: Path) -> None:
    chart = _write(
        tmp_path / "chart",
        {
            "Chart.yaml": "apiVersion: v2\nname: srv\nversion: 1.2.3\nappVersion: '0.9'\n",
            "values.yaml": "image: {repository: vllm/vllm-openai}\nconfig: {a: 1}\n",
            "files/extra.conf": "key=value\n",
            "templates/configmap.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Chart.Name }}-cfg}\n"
                'data:\n  extra.conf: {{ .Files.Get "files/extra.conf" | quote }}\n'
            ),
            "templates/deployment.yaml": """\
{{- if .Capabilities.APIVersions.Has "apps/v1/Deployment" }}
apiVersion: apps/v1
{{- else }}
apiVersion: extensions/v1beta1
{{- end }}
kind: Deployment
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
  annotations:
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    template: {{ .Template.Name }}
spec:
  template:
    spec:
      containers:
        - name: server
          image: "{{ .Values.image.repository }}:v{{ .Chart.AppVersion }}"
""",
        },
    )
    rendered, warnings = render_chart(chart, lambda p: p.read_text())
    assert warnings == []
    docs = {Path(p).name: yaml.safe_load(t) for p, t in rendered}
    dep = docs["deployment.yaml"]
    assert dep["apiVersion"] == "apps/v1"
    assert len(dep["metadata"]["annotations"]["checksum/config"]) == 64
    assert dep["metadata"]["annotations"]["template"] == "srv/templates/deployment.yaml"
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "vllm/vllm-openai:v0.9"
    assert docs["configmap.yaml"]["data"]["extra.conf"] == "key=value\n"


def test_sub_charts_get_the_parents_values_and_conditions(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/Chart.yaml": (
                "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
                "  - {name: runner, version: 1.0.0, alias: llm, condition: llm.enabled}\n"
                "  - {name: extra, version: 1.0.0, condition: extra.enabled}\n"
                "  - {name: common, version: 1.0.0}\n"
            ),
            "app/values.yaml": "llm: {enabled: true, model: org/model-a}\nextra: {enabled: false}\n"
            "global: {registry: registry.example.com}\n",
            "app/templates/svc.yaml": (
                'apiVersion: v1\nkind: Service\nmetadata: {name: {{ include "common.name" . }}}\n'
                "spec: {type: ClusterIP, selector: {app: runner}}\n"
            ),
            "app/charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n",
            "app/charts/common/templates/_names.tpl": (
                '{{- define "common.name" -}}{{ .Release.Name }}-app{{- end -}}'
            ),
            "app/charts/runner/Chart.yaml": "apiVersion: v2\nname: runner\nversion: 1.0.0\n",
            "app/charts/runner/values.yaml": "model: default/model\nimage: vllm/vllm-openai\n",
            "app/charts/runner/templates/deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ include "common.name" . }}-runner}
spec:
  template:
    metadata: {labels: {app: runner}}
    spec:
      containers:
        - name: vllm
          image: {{ .Values.global.registry }}/{{ .Values.image }}:v0.6.0
          args: ["--model", {{ .Values.model | quote }}]
""",
            "app/charts/extra/Chart.yaml": "apiVersion: v2\nname: extra\nversion: 1.0.0\n",
            "app/charts/extra/templates/deploy.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: extra}\nspec:\n  template:\n"
                "    spec:\n      containers: [{name: o, image: ollama/ollama:0.3.0}]\n"
            ),
        },
    )
    inventory: Inventory = RepositoryCollector(tmp_path, manifest_analyzers()).collect()
    workloads = {a.name: a for a in inventory.assets if a.kind.value == "workload"}
    assert set(workloads) == {"default/Deployment/release-name-app-runner"}  # extra: condition false
    runner = workloads["default/Deployment/release-name-app-runner"]
    assert runner.properties["images"] == ["registry.example.com/vllm/vllm-openai:v0.6.0"]
    assert [m["model"] for m in runner.properties["models"]] == ["org/model-a"]  # parent's override
    assert not [w for w in inventory.warnings if "not rendered" in w.message]
