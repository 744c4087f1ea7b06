"""A positive and a negative inventory for every built-in rule, built by hand per the conventions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_aws_rules import AWS_CASES
from test_iac_rules import IAC_CASES
from test_k8s_rules import K8S_CASES
from test_model_rules import MODEL_CASES

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, Location, RelationKind, Severity
from aispm.posture import Policy, builtin_rules, evaluate

REPO = "github.com/acme/app"


def source_file(rel: str, *, calls: list[dict[str, Any]] | None = None, **props: Any) -> Asset:
    kind = AssetKind.NOTEBOOK if rel.endswith(".ipynb") else AssetKind.SOURCE_FILE
    properties: dict[str, Any] = {"language": "python", **props}
    if calls is not None:
        properties["calls"] = calls
    return Asset(urn("code", "source_file", REPO, rel), kind, rel, "local", Location(rel), properties)


def call(function: str, *args: Any, line: int = 10, **keywords: Any) -> dict[str, Any]:
    return {"function": function, "line": line, "args": list(args), "keywords": keywords}


def calls_inv(*calls: dict[str, Any]) -> Inventory:
    return Inventory.of([source_file("src/app.py", calls=list(calls))])


def secret(path: str, provider: str = "openai", value_hash: str = "abcd1234abcd1234") -> Asset:
    return Asset(
        urn("secret", "secret", provider, value_hash),
        AssetKind.SECRET,
        f"{provider} key",
        provider,
        Location(path, 3),
        {
            "secret_type": f"{provider}_api_key",
            "provider": provider,
            "redacted": "sk-…abcd",
            "variable": "API_KEY",
            "locations": [{"path": path, "line": 3}],
            "detection": "pattern",
        },
    )


def artifact(rel: str, fmt: str, **props: Any) -> Asset:
    return Asset(
        urn("code", "model_artifact", REPO, rel),
        AssetKind.MODEL_ARTIFACT,
        rel,
        "local",
        Location(rel),
        {"format": fmt, "size": 1000, "sha256": "0" * 64, "extension_matches": True, **props},
    )


def package(name: str, version: str | None, *, ai: bool = True, **props: Any) -> Asset:
    purl = f"pkg:pypi/{name}" + (f"@{version}" if version else "")
    return Asset(
        urn("package", "package", purl),
        AssetKind.PACKAGE,
        name,
        "pypi",
        None,
        {
            "ecosystem": "PyPI",
            "name": name,
            "version": version,
            "specifier": None if version else ">=1.0",
            "ai": ai,
            "manifests": ["requirements.txt"],
            "vulnerabilities": [],
            **props,
        },
    )


def prompt(secret_types: list[str]) -> Asset:
    return Asset(
        urn("code", "prompt_template", REPO, "prompts/system.txt", "d1"),
        AssetKind.PROMPT_TEMPLATE,
        "system prompt",
        "local",
        Location("prompts/system.txt"),
        {"role": "system", "length": 100, "excerpt": "You are ... [REDACTED]", "secret_types": secret_types},
    )


def mcp(name: str = "github", **props: Any) -> Asset:
    base: dict[str, Any] = {
        "command": "docker",
        "args": ["run", "ghcr.io/acme/mcp@sha256:" + "a" * 64],
        "url": None,
        "transport": "stdio",
        "launcher": "docker",
        "package": "ghcr.io/acme/mcp",
        "package_version": "sha256:" + "a" * 64,
        "pinned": True,
        "env_keys": ["GITHUB_TOKEN"],
        "secrets": [],
    }
    base.update(props)
    return Asset(
        urn("code", "mcp_server", REPO, ".cursor/mcp.json", name),
        AssetKind.MCP_SERVER,
        name,
        "local",
        Location(".cursor/mcp.json"),
        base,
    )


def tool(function: str, *capabilities: str) -> Asset:
    return Asset(
        urn("code", "tool", REPO, "agent.py", function),
        AssetKind.TOOL,
        function,
        "local",
        Location("agent.py", 5),
        {"framework": "langchain", "function": function, "capabilities": list(capabilities), "line": 5},
    )


def agent_with(*tools: Asset) -> Inventory:
    agent = Asset(
        urn("code", "agent", REPO, "agent.py", "helper"),
        AssetKind.AGENT,
        "helper",
        "local",
        Location("agent.py", 20),
        {"framework": "langchain", "model": "gpt-4o"},
    )
    inv = Inventory.of([agent, *tools])
    for t in tools:
        inv.relate(agent.id, RelationKind.HAS_TOOL, t.id)
    return inv


def service(provider: str = "openai") -> Asset:
    return Asset(
        urn("code", "ai_service", provider),
        AssetKind.AI_SERVICE,
        provider.title(),
        provider,
        None,
        {"catalog_id": provider, "category": "llm_provider", "vendor": provider},
    )


def model(provider: str, name: str, **props: Any) -> Asset:
    return Asset(
        urn("model", "model", provider, name),
        AssetKind.MODEL,
        name,
        provider,
        None,
        {"provider": provider, "model": name, **props},
    )


def guarded_endpoint(attacks: dict[str, Any]) -> Asset:
    """An endpoint as the guard source reports it (``guard_attacks``: detector -> tally)."""
    e = endpoint("https://api.openai.com/v1", "api.openai.com", "https", False)
    return Asset(e.id, e.kind, e.name, e.provider, e.location, {**e.properties, "guard_attacks": attacks})


def endpoint(url: str, host: str, scheme: str, local: bool) -> Asset:
    return Asset(
        urn("endpoint", "model_endpoint", url),
        AssetKind.MODEL_ENDPOINT,
        url,
        "local",
        None,
        {"url": url, "host": host, "scheme": scheme, "local": local},
    )


def sink_inv(sink: str) -> Inventory:
    return Inventory.of(
        [
            source_file(
                "src/bot.py",
                llm_output_sinks=[
                    {"sink": sink, "line": 30, "source": "openai.chat.completions.create", "source_line": 25}
                ],
            )
        ]
    )


def notebook_inv(with_secret: bool) -> Inventory:
    nb = source_file("nb/demo.ipynb")
    svc = service()
    s = secret("nb/demo.ipynb")
    inv = Inventory.of([nb, svc, s])
    inv.relate(nb.id, RelationKind.USES, svc.id)
    if with_secret:
        inv.relate(nb.id, RelationKind.CONTAINS, s.id)
    return inv


HUB = "meta-llama/Llama-3.1-8B"
SHA = "0123456789abcdef0123456789abcdef01234567"
Case = tuple[str, Callable[[], Inventory], Callable[[], Inventory], Policy]
DEFAULT = Policy()

CASES: list[Case] = [
    (
        "AISPM-SEC-001",
        lambda: Inventory.of([secret("src/app.py")]),
        lambda: Inventory.of([secret(".env")]),
        DEFAULT,
    ),
    (
        "AISPM-SEC-002",
        lambda: Inventory.of([secret("src/db.py", provider="aws")]),
        lambda: Inventory.of([secret("src/app.py")]),
        DEFAULT,
    ),
    (
        "AISPM-SEC-003",
        lambda: Inventory.of([secret(".env")]),
        lambda: Inventory.of([secret("src/app.py")]),
        DEFAULT,
    ),
    (
        "AISPM-SEC-004",
        lambda: Inventory.of([secret("nb/x.ipynb")]),
        lambda: Inventory.of([secret("src/app.py")]),
        DEFAULT,
    ),
    (
        "AISPM-SEC-005",
        lambda: Inventory.of([prompt(["openai_api_key"])]),
        lambda: Inventory.of([prompt([])]),
        DEFAULT,
    ),
    (
        "AISPM-SEC-006",
        lambda: Inventory.of([mcp(secrets=["ghp_…abcd"], env_literal_keys=["GITHUB_TOKEN"])]),
        lambda: Inventory.of([mcp()]),
        DEFAULT,
    ),
    ("AISPM-SEC-007", lambda: notebook_inv(True), lambda: notebook_inv(False), DEFAULT),
    (
        "AISPM-SUP-001",
        lambda: Inventory.of([artifact("m/model.pt", "pytorch")]),
        lambda: Inventory.of([artifact("m/model.safetensors", "safetensors")]),
        DEFAULT,
    ),
    (
        "AISPM-SUP-002",
        lambda: Inventory.of([artifact("m/model.onnx", "onnx")]),
        lambda: Inventory.of([artifact("m/model.gguf", "gguf")]),
        Policy(banned_model_formats=("onnx",)),
    ),
    (
        "AISPM-SUP-003",
        lambda: Inventory.of([artifact("m/model.safetensors", "pickle", extension_matches=False)]),
        lambda: Inventory.of([artifact("m/model.pkl", "pickle")]),
        DEFAULT,
    ),
    (
        "AISPM-SUP-004",
        lambda: Inventory.of(
            [
                package(
                    "transformers",
                    "4.30.0",
                    vulnerabilities=[
                        {
                            "id": "GHSA-xxxx",
                            "aliases": ["CVE-2024-1"],
                            "summary": "RCE",
                            "severity": "CRITICAL",
                            "fixed": ["4.36.0"],
                        }
                    ],
                )
            ]
        ),
        lambda: Inventory.of([package("transformers", "4.50.0")]),
        DEFAULT,
    ),
    (
        "AISPM-SUP-005",
        lambda: Inventory.of([package("langchain", None)]),
        lambda: Inventory.of([package("langchain", None), package("langchain", "0.3.0")]),
        DEFAULT,
    ),
    (
        "AISPM-SUP-006",
        lambda: calls_inv(call("transformers.AutoModel.from_pretrained", HUB, revision="main")),
        lambda: calls_inv(
            call("transformers.AutoModel.from_pretrained", HUB, revision=SHA),
            call("transformers.AutoModel.from_pretrained", "./local/model"),
            call("transformers.pipeline", "text-generation"),
        ),
        DEFAULT,
    ),
    (
        "AISPM-SUP-007",
        lambda: calls_inv(call("transformers.AutoModel.from_pretrained", HUB, trust_remote_code=True)),
        lambda: calls_inv(call("transformers.AutoModel.from_pretrained", HUB, trust_remote_code=False)),
        DEFAULT,
    ),
    (
        "AISPM-SUP-008",
        lambda: calls_inv(call("torch.hub.load", "ultralytics/yolov5", "yolov5s")),
        lambda: calls_inv(call("torch.hub.load", "./hub", "m", source="local")),
        DEFAULT,
    ),
    (
        "AISPM-CODE-001",
        lambda: calls_inv(call("torch.load", "<path>")),
        lambda: calls_inv(call("torch.load", "<path>", weights_only=True)),
        DEFAULT,
    ),
    (
        "AISPM-CODE-002",
        lambda: calls_inv(call("joblib.load", "model.joblib")),
        lambda: calls_inv(call("json.load", "<fh>")),
        DEFAULT,
    ),
    (
        "AISPM-CODE-003",
        lambda: calls_inv(call("numpy.load", "emb.npy", allow_pickle=True)),
        lambda: calls_inv(call("numpy.load", "emb.npy")),
        DEFAULT,
    ),
    (
        "AISPM-CODE-004",
        lambda: calls_inv(call("yaml.load", "<text>", Loader="<yaml.Loader>")),
        lambda: calls_inv(call("yaml.load", "<text>", Loader="<yaml.SafeLoader>")),
        DEFAULT,
    ),
    (
        "AISPM-CODE-005",
        lambda: calls_inv(call("keras.models.load_model", "m.keras", safe_mode=False)),
        lambda: calls_inv(call("keras.models.load_model", "m.keras")),
        DEFAULT,
    ),
    ("AISPM-CODE-006", lambda: sink_inv("eval"), lambda: sink_inv("print"), DEFAULT),
    ("AISPM-CODE-007", lambda: sink_inv("subprocess.run"), lambda: sink_inv("eval"), DEFAULT),
    ("AISPM-CODE-008", lambda: sink_inv("cursor.execute"), lambda: sink_inv("subprocess.run"), DEFAULT),
    ("AISPM-CODE-009", lambda: sink_inv("pickle.loads"), lambda: sink_inv("json.loads"), DEFAULT),
    ("AISPM-CODE-010", lambda: sink_inv("requests.post"), lambda: sink_inv("logging.info"), DEFAULT),
    (
        "AISPM-AGENT-001",
        lambda: agent_with(tool("run_shell", "shell")),
        lambda: agent_with(tool("search", "network")),
        DEFAULT,
    ),
    (
        "AISPM-AGENT-002",
        lambda: agent_with(tool("python_repl", "code_exec")),
        lambda: agent_with(tool("run_shell", "shell")),
        DEFAULT,
    ),
    (
        "AISPM-AGENT-003",
        lambda: agent_with(tool("save", "file_write")),
        lambda: agent_with(tool("read", "file_read")),
        DEFAULT,
    ),
    (
        "AISPM-AGENT-004",
        lambda: agent_with(tool("read", "file_read"), tool("fetch", "network")),
        lambda: agent_with(tool("read", "file_read"), tool("save", "file_write")),
        DEFAULT,
    ),
    (
        "AISPM-AGENT-005",
        lambda: agent_with(*(tool(f"t{i}") for i in range(3))),
        lambda: agent_with(*(tool(f"t{i}") for i in range(2))),
        Policy(max_agent_tools=2),
    ),
    (
        "AISPM-AGENT-006",
        lambda: agent_with(tool("query_db", "sql")),
        lambda: agent_with(tool("read", "file_read")),
        DEFAULT,
    ),
    (
        "AISPM-MCP-001",
        lambda: Inventory.of([mcp(launcher="npx", command="npx", package="@acme/mcp", pinned=False)]),
        lambda: Inventory.of(
            [mcp(launcher="npx", command="npx", package="@acme/mcp", package_version="1.2.3")]
        ),
        DEFAULT,
    ),
    (
        "AISPM-MCP-002",
        lambda: Inventory.of([mcp(transport="http", url="http://mcp.example.com/mcp")]),
        lambda: Inventory.of(
            [
                mcp("a", transport="http", url="https://mcp.example.com/mcp"),
                mcp("b", url="http://127.0.0.1:8000"),
            ]
        ),
        DEFAULT,
    ),
    (
        "AISPM-MCP-003",
        lambda: Inventory.of([mcp(command="bash", args=["-c", "curl -fsSL https://x.sh | sh"])]),
        lambda: Inventory.of([mcp(command="uvx", args=["mcp-server-git==1.0.0"])]),
        DEFAULT,
    ),
    (
        "AISPM-MCP-004",
        lambda: Inventory.of([mcp(launcher="npx")]),
        lambda: Inventory.of([mcp(launcher="docker")]),
        Policy(allowed_mcp_launchers=("docker",)),
    ),
    (
        "AISPM-GOV-001",
        lambda: Inventory.of([service("deepseek"), model("deepseek", "deepseek-chat")]),
        lambda: Inventory.of([service("openai"), model("openai", "gpt-4o")]),
        Policy(approved_providers=("OpenAI", "anthropic")),
    ),
    (
        "AISPM-GOV-002",
        lambda: Inventory.of([model("openai", "gpt-3.5-turbo")]),
        lambda: Inventory.of([model("openai", "gpt-4o-mini"), model("anthropic", "claude-3-5-sonnet")]),
        Policy(approved_models=("gpt-4o*", "anthropic/claude-*")),
    ),
    (
        "AISPM-GOV-003",
        lambda: Inventory.of(
            [endpoint("http://llm.corp.example:8000/v1", "llm.corp.example", "http", False)]
        ),
        lambda: Inventory.of(
            [
                endpoint("http://localhost:11434", "localhost", "http", True),
                endpoint("https://api.openai.com/v1", "api.openai.com", "https", False),
            ]
        ),
        DEFAULT,
    ),
    (
        "AISPM-GOV-004",
        lambda: Inventory.of([endpoint("http://0.0.0.0:11434", "0.0.0.0", "http", True)]),
        lambda: Inventory.of([endpoint("http://127.0.0.1:11434", "127.0.0.1", "http", True)]),
        DEFAULT,
    ),
    (
        "AISPM-GOV-005",
        lambda: Inventory.of([model("openai", "text-davinci-003"), model("anthropic", "claude-instant-1.2")]),
        lambda: Inventory.of([model("openai", "gpt-4o"), model("anthropic", "claude-sonnet-4-0")]),
        DEFAULT,
    ),
    (
        "AISPM-GOV-006",
        lambda: Inventory.of([service("openai")]),
        lambda: Inventory.of([model("huggingface", "bert-base-uncased")]),
        DEFAULT,
    ),
    (
        "AISPM-GUARD-001",
        lambda: Inventory.of([guarded_endpoint({"injection": {"count": 2, "keys": ["app"]}})]),
        lambda: Inventory.of([guarded_endpoint({}), guarded_endpoint({"jailbreak": {"count": 0}})]),
        DEFAULT,
    ),
]


CASES += MODEL_CASES  # rules of data/rules/models.yaml, cases in test_model_rules.py
CASES += AWS_CASES  # rules of data/rules/aws_*.yaml, cases in test_aws_rules.py
CASES += IAC_CASES + K8S_CASES  # azure/gcp/k8s rules, cases in test_iac_rules.py / test_k8s_rules.py


def run(inv: Inventory, policy: Policy, rule_id: str) -> list[Finding]:
    findings, _ = evaluate(inv, policy)
    assert not inv.warnings, inv.warnings
    return [f for f in findings if f.rule_id == rule_id]


def test_every_builtin_rule_has_a_case() -> None:
    assert {c[0] for c in CASES} == {m.id for m in builtin_rules()}


@pytest.mark.parametrize(("rule_id", "positive", "negative", "policy"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_positive_only(
    rule_id: str, positive: Callable[[], Inventory], negative: Callable[[], Inventory], policy: Policy
) -> None:
    hits = run(positive(), policy, rule_id)
    assert hits, f"{rule_id} did not fire"
    for f in hits:
        assert f.message and f.asset_id
        assert f.location is not None or rule_id.startswith(("AISPM-GOV", "AISPM-SUP-00"))
        assert "line" not in f.discriminator.lower()
    assert run(negative(), policy, rule_id) == []


def test_gov_006_is_silent_once_a_provider_policy_exists() -> None:
    assert (
        run(Inventory.of([service("openai")]), Policy(approved_providers=("openai",)), "AISPM-GOV-006") == []
    )


def test_secret_findings_one_per_location_with_stable_discriminator() -> None:
    s = secret("src/a.py")
    s2 = Asset(s.id, s.kind, s.name, s.provider, s.location, {"locations": [{"path": "src/b.py", "line": 9}]})
    inv = Inventory.of([s, s2])
    hits = run(inv, DEFAULT, "AISPM-SEC-001")
    assert sorted(str(f.location) for f in hits) == ["src/a.py:3", "src/b.py:9"]
    assert len({f.fingerprint for f in hits}) == 2
    assert all(f.severity == Severity.CRITICAL and "sk-…abcd" in f.message for f in hits)


def test_secret_in_mcp_config_is_not_reported_as_source() -> None:
    inv = Inventory.of([mcp(), secret(".cursor/mcp.json")])
    assert run(inv, DEFAULT, "AISPM-SEC-001") == []


def test_vulnerability_severity_comes_from_advisory() -> None:
    vulns = [
        {"id": "GHSA-1", "severity": "MODERATE", "summary": "x", "fixed": []},
        {"id": "GHSA-2", "severity": None, "summary": "y", "fixed": ["2.0"]},
    ]
    hits = run(Inventory.of([package("torch", "1.0", vulnerabilities=vulns)]), DEFAULT, "AISPM-SUP-004")
    assert {(f.evidence["advisory"], f.severity) for f in hits} == {
        ("GHSA-1", Severity.MEDIUM),
        ("GHSA-2", Severity.HIGH),
    }
    assert all("pkg:pypi/torch@1.0" in f.discriminator for f in hits)


def test_call_fingerprint_ignores_line_numbers() -> None:
    a = run(calls_inv(call("torch.load", "<p>", line=3)), DEFAULT, "AISPM-CODE-001")
    b = run(calls_inv(call("torch.load", "<p>", line=99)), DEFAULT, "AISPM-CODE-001")
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert a[0].location == Location("src/app.py", 3)


@pytest.mark.parametrize(
    ("loader", "fires"),
    [(None, True), ("<yaml.UnsafeLoader>", True), ("<yaml.CSafeLoader>", False), ("<my_loader>", False)],
)
def test_yaml_loader_variants(loader: str | None, fires: bool) -> None:
    c = call("yaml.load", "<t>") if loader is None else call("yaml.load", "<t>", Loader=loader)
    assert bool(run(calls_inv(c), DEFAULT, "AISPM-CODE-004")) is fires


def test_unsafe_load_always_fires() -> None:
    assert run(calls_inv(call("yaml.unsafe_load", "<t>")), DEFAULT, "AISPM-CODE-004")


def test_hub_revision_expression_is_trusted() -> None:
    inv = calls_inv(call("huggingface_hub.hf_hub_download", HUB, "model.safetensors", revision="<REV>"))
    assert run(inv, DEFAULT, "AISPM-SUP-006") == []
    inv = calls_inv(call("transformers.pipeline", "text-generation", model=HUB))
    assert run(inv, DEFAULT, "AISPM-SUP-006")


def test_explicit_sink_category_wins() -> None:
    inv = Inventory.of(
        [
            source_file(
                "a.py", llm_output_sinks=[{"sink": "run_it", "category": "shell", "line": 1, "source": "x"}]
            )
        ]
    )
    assert run(inv, DEFAULT, "AISPM-CODE-007")


def test_dataset_builders_are_not_hub_ids() -> None:
    assert (
        run(calls_inv(call("datasets.load_dataset", "csv", data_files="x.csv")), DEFAULT, "AISPM-SUP-006")
        == []
    )
    assert run(calls_inv(call("datasets.load_dataset", "acme/reviews")), DEFAULT, "AISPM-SUP-006")


def test_mlflow_and_unpickler_count_as_pickle_loads() -> None:
    inv = calls_inv(call("mlflow.sklearn.load_model", "<uri>"), call("pickle.Unpickler", "<fh>", line=11))
    assert len(run(inv, DEFAULT, "AISPM-CODE-002")) == 2


@pytest.mark.parametrize(
    ("provider", "secret_type", "ai"),
    [
        ("azure", "azure_openai_key", True),
        ("generic", "sk_hex_api_key", True),
        ("cerebras", "cerebras_api_key", True),
        ("moonshot", "moonshot_api_key", True),
        ("generic", "hard_coded_password", False),
        ("stripe", "stripe_api_key", False),
    ],
)
def test_ai_keys_by_provider_or_type(provider: str, secret_type: str, ai: bool) -> None:
    s = secret("src/app.py", provider=provider)
    s = Asset(s.id, s.kind, s.name, s.provider, s.location, {**s.properties, "secret_type": secret_type})
    assert bool(run(Inventory.of([s]), DEFAULT, "AISPM-SEC-001")) is ai
    assert bool(run(Inventory.of([s]), DEFAULT, "AISPM-SEC-002")) is not ai


def test_mcp_header_literal_and_npm_exec() -> None:
    assert run(Inventory.of([mcp(header_literal_keys=["Authorization"])]), DEFAULT, "AISPM-SEC-006")
    npm = mcp(launcher="npm", command="npm", package="@acme/mcp", package_version=None, pinned=False)
    assert run(Inventory.of([npm]), DEFAULT, "AISPM-MCP-001")
    local = mcp(launcher="python", command="python", package="server", pinned=False)
    assert run(Inventory.of([local]), DEFAULT, "AISPM-MCP-001") == []


def test_sql_sink_from_taint_data() -> None:
    assert run(sink_inv("sqlalchemy.sql.text"), DEFAULT, "AISPM-CODE-008")
    assert run(sink_inv("importlib.import_module"), DEFAULT, "AISPM-CODE-006")
    assert run(sink_inv("open.write"), DEFAULT, "AISPM-CODE-010")
