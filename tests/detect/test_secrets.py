"""The secrets detector on real-looking (randomly generated, never real) keys of every provider."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable

import pytest

from aispm.core.redact import fingerprint_secret
from aispm.detect.base import Detection, Detector
from aispm.detect.secrets import SecretsDetector, secret_type_label

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
_MARKERS = ("example", "sample", "dummy", "fake", "test", "your", "here", "xxxx", "todo", "mock", "redacted")
_rng = random.Random(20240611)


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random characters that by chance contain no placeholder word."""
    while True:
        value = "".join(_rng.choice(alphabet) for _ in range(n))
        if not any(m in value.lower() for m in _MARKERS) and not any(c * 4 in value for c in alphabet):
            return value


def uuid4() -> str:
    h = rand(32, HEX)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# type, provider, variable, value factory
PROVIDERS: list[tuple[str, str, str, Callable[[], str]]] = [
    (
        "openai_project_key",
        "openai",
        "OPENAI_API_KEY",
        lambda: f"sk-proj-{rand(74, ALNUM + '_-')}T3BlbkFJ{rand(74)}",
    ),
    (
        "openai_service_account_key",
        "openai",
        "OPENAI_API_KEY",
        lambda: f"sk-svcacct-{rand(80, ALNUM + '_-')}",
    ),
    ("openai_admin_key", "openai", "OPENAI_ADMIN_KEY", lambda: f"sk-admin-{rand(80, ALNUM + '_-')}"),
    ("openai_api_key", "openai", "OPENAI_API_KEY", lambda: f"sk-{rand(20)}T3BlbkFJ{rand(20)}"),
    (
        "anthropic_api_key",
        "anthropic",
        "ANTHROPIC_API_KEY",
        lambda: f"sk-ant-api03-{rand(93, ALNUM + '_-')}AA",
    ),
    ("anthropic_admin_key", "anthropic", "ANTHROPIC_ADMIN_KEY", lambda: f"sk-ant-admin01-{rand(93)}AA"),
    ("huggingface_token", "huggingface", "HF_TOKEN", lambda: f"hf_{rand(34, string.ascii_letters)}"),
    ("google_api_key", "google", "GOOGLE_API_KEY", lambda: f"AIza{rand(35, ALNUM + '_-')}"),
    ("azure_openai_key", "azure", "AZURE_OPENAI_API_KEY", lambda: rand(32, HEX)),
    ("azure_openai_key", "azure", "AZURE_OPENAI_KEY", lambda: f"{rand(52)}JQQJ99{rand(26)}"),
    ("cohere_api_key", "cohere", "COHERE_API_KEY", lambda: rand(40)),
    ("mistral_api_key", "mistral", "MISTRAL_API_KEY", lambda: rand(32)),
    ("groq_api_key", "groq", "GROQ_API_KEY", lambda: f"gsk_{rand(52)}"),
    ("replicate_api_token", "replicate", "REPLICATE_API_TOKEN", lambda: f"r8_{rand(37)}"),
    ("together_api_key", "together", "TOGETHER_API_KEY", lambda: rand(64, HEX)),
    ("together_api_key", "together", "TOGETHER_API_KEY", lambda: f"tgp_v1_{rand(43, ALNUM + '_-')}"),
    ("xai_api_key", "xai", "XAI_API_KEY", lambda: f"xai-{rand(80)}"),
    ("perplexity_api_key", "perplexity", "PERPLEXITY_API_KEY", lambda: f"pplx-{rand(48)}"),
    ("deepseek_api_key", "deepseek", "DEEPSEEK_API_KEY", lambda: f"sk-{rand(32, HEX)}"),
    ("openrouter_api_key", "openrouter", "OPENROUTER_API_KEY", lambda: f"sk-or-v1-{rand(64, HEX)}"),
    ("fireworks_api_key", "fireworks", "FIREWORKS_API_KEY", lambda: f"fw_{rand(24)}"),
    (
        "langsmith_api_key",
        "langsmith",
        "LANGSMITH_API_KEY",
        lambda: f"lsv2_pt_{rand(32, HEX)}_{rand(10, HEX)}",
    ),
    (
        "langsmith_api_key",
        "langsmith",
        "LANGCHAIN_API_KEY",
        lambda: f"lsv2_sk_{rand(32, HEX)}_{rand(10, HEX)}",
    ),
    ("pinecone_api_key", "pinecone", "PINECONE_API_KEY", lambda: f"pcsk_{rand(5)}_{rand(63)}"),
    ("pinecone_api_key", "pinecone", "PINECONE_API_KEY", uuid4),
    ("wandb_api_key", "wandb", "WANDB_API_KEY", lambda: rand(40, HEX)),
    ("nvidia_api_key", "nvidia", "NVIDIA_API_KEY", lambda: f"nvapi-{rand(64, ALNUM + '_-')}"),
    ("elevenlabs_api_key", "elevenlabs", "ELEVENLABS_API_KEY", lambda: f"sk_{rand(48, HEX)}"),
    (
        "aws_access_key_id",
        "aws",
        "AWS_ACCESS_KEY_ID",
        lambda: f"AKIA{rand(16, string.ascii_uppercase + '234567')}",
    ),
    ("aws_secret_access_key", "aws", "AWS_SECRET_ACCESS_KEY", lambda: rand(40, ALNUM + "/+")),
    ("github_token", "github", "GITHUB_TOKEN", lambda: f"ghp_{rand(36)}"),
    ("github_token", "github", "GH_TOKEN", lambda: f"github_pat_{rand(22)}_{rand(59)}"),
    ("gitlab_token", "gitlab", "GITLAB_TOKEN", lambda: f"glpat-{rand(20)}"),
    (
        "slack_token",
        "slack",
        "SLACK_BOT_TOKEN",
        lambda: f"xoxb-{rand(12, '0123456789')}-{rand(13, '0123456789')}-{rand(24)}",
    ),
    ("stripe_api_key", "stripe", "STRIPE_SECRET_KEY", lambda: f"sk_live_{rand(24)}"),
    ("stripe_api_key", "stripe", "STRIPE_SECRET_KEY", lambda: f"sk_test_{rand(24)}"),
    (
        "anthropic_oauth_token",
        "anthropic",
        "CLAUDE_CODE_OAUTH_TOKEN",
        lambda: f"sk-ant-oat01-{rand(93, ALNUM + '_-')}AA",
    ),
    ("voyage_api_key", "voyage", "VOYAGE_API_KEY", lambda: f"pa-{rand(43, ALNUM + '_-')}"),
    ("voyage_api_key", "voyage", "VOYAGE_API_KEY", lambda: f"al-{rand(43, ALNUM + '_-')}"),
    ("cerebras_api_key", "cerebras", "CEREBRAS_API_KEY", lambda: f"csk-{rand(48)}"),
    ("llamacloud_api_key", "llamaindex", "LLAMA_CLOUD_API_KEY", lambda: f"llx-{rand(48)}"),
    ("langfuse_secret_key", "langfuse", "LANGFUSE_SECRET_KEY", lambda: f"sk-lf-{uuid4()}"),
    ("jina_api_key", "jina", "JINA_API_KEY", lambda: f"jina_{rand(32, HEX)}{rand(28, ALNUM + '_')}"),
    ("tavily_api_key", "tavily", "TAVILY_API_KEY", lambda: f"tvly-{rand(32)}"),
    ("tavily_api_key", "tavily", "TAVILY_API_KEY", lambda: f"tvly-dev-{rand(32)}"),
    ("firecrawl_api_key", "firecrawl", "FIRECRAWL_API_KEY", lambda: f"fc-{rand(32, HEX)}"),
    ("databricks_token", "databricks", "DATABRICKS_TOKEN", lambda: f"dapi{rand(32, HEX)}"),
    ("dashscope_api_key", "alibaba", "DASHSCOPE_API_KEY", lambda: f"sk-{rand(32, HEX)}"),
    ("moonshot_api_key", "moonshot", "MOONSHOT_API_KEY", lambda: f"sk-{rand(48)}"),
    ("zhipu_api_key", "zhipu", "ZHIPUAI_API_KEY", lambda: f"{rand(32, HEX)}.{rand(16)}"),
    ("sk_hex_api_key", "generic", "LLM_API_KEY", lambda: f"sk-{rand(32, HEX)}"),
    # no shape of their own: typed by the variable's name
    ("serpapi_api_key", "serpapi", "SERPAPI_API_KEY", lambda: rand(64, HEX)),
    ("serper_api_key", "serper", "SERPER_API_KEY", lambda: rand(40, HEX)),
    ("deepgram_api_key", "deepgram", "DEEPGRAM_API_KEY", lambda: rand(40, HEX)),
    ("assemblyai_api_key", "assemblyai", "ASSEMBLYAI_API_KEY", lambda: rand(32, HEX)),
    ("stability_api_key", "stability", "STABILITY_API_KEY", lambda: f"sk-{rand(48)}"),
    ("generic_api_key", "generic", "INTERNAL_SERVICE_TOKEN", lambda: rand(32)),
    ("generic_api_key", "generic", "CLIENT_SECRET", lambda: rand(32, ALNUM + "-_")),
    ("password", "generic", "DB_PASSWORD", lambda: rand(24, ALNUM + "!#")),
]


def as_python(var: str, value: str) -> tuple[str, str]:
    return f'import os\n\n{var} = "{value}"\nclient = make_client()\n', var


def as_python_kwarg(var: str, value: str) -> tuple[str, str]:
    name = var.lower()
    return f'client = Client(\n    {name}="{value}",\n    timeout=30,\n)\n', name


def as_env(var: str, value: str) -> tuple[str, str]:
    return f"# local settings\nDEBUG=1\n{var}={value}\n", var


def as_export(var: str, value: str) -> tuple[str, str]:
    return f"#!/bin/sh\nexport {var}='{value}'\npython app.py\n", var


def as_dockerfile(var: str, value: str) -> tuple[str, str]:
    return f"FROM python:3.12-slim\nENV {var}={value}\nCMD python app.py\n", var


def as_dockerfile_space(var: str, value: str) -> tuple[str, str]:
    return f"FROM python:3.12-slim\nENV {var} {value}\nRUN pip install .\n", var


def as_yaml(var: str, value: str) -> tuple[str, str]:
    name = var.lower()
    return f"service:\n  image: app\n  {name}: {value}\n  replicas: 2\n", name


def as_json(var: str, value: str) -> tuple[str, str]:
    return json.dumps({"name": "app", var: value, "debug": False}, indent=2), var


def as_notebook(var: str, value: str) -> tuple[str, str]:
    cell = {
        "cell_type": "code",
        "metadata": {},
        "source": ["import os\n", f'os.environ["{var}"] = "{value}"\n'],
    }
    return json.dumps({"cells": [cell], "nbformat": 4, "nbformat_minor": 5}, indent=1), var


def as_toml(var: str, value: str) -> tuple[str, str]:
    name = var.lower()
    return f'[tool.app]\nmodel = "gpt-4o"\n{name} = "{value}"\n', name


SYNTAXES = [
    as_python,
    as_python_kwarg,
    as_env,
    as_export,
    as_dockerfile,
    as_dockerfile_space,
    as_yaml,
    as_json,
    as_notebook,
    as_toml,
]

NAME_TYPED = {
    "generic_api_key",
    "password",
    "serpapi_api_key",
    "serper_api_key",
    "deepgram_api_key",
    "assemblyai_api_key",
    "stability_api_key",
}
"""Types the assignment detector gives by the variable's name (no provider pattern matches)."""

detector = SecretsDetector()


def only(detections: list[Detection]) -> Detection:
    assert len(detections) == 1, [(d.type, d.attributes) for d in detections]
    return detections[0]


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    """Each test draws its own reproducible values, whatever runs before it (or in parallel)."""
    _rng.seed(request.node.nodeid)


@pytest.mark.parametrize("syntax", SYNTAXES, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("secret_type", "provider", "var", "make"),
    [pytest.param(*row, id=f"{row[0]}-{row[2]}-{i}") for i, row in enumerate(PROVIDERS)],
)
def test_every_provider_in_every_syntax(
    secret_type: str,
    provider: str,
    var: str,
    make: Callable[[], str],
    syntax: Callable[[str, str], tuple[str, str]],
) -> None:
    value = make()
    text, variable = syntax(var, value)
    found = only(detector.detect(text))
    assert found.detector == "secrets"
    assert found.type == secret_type
    assert text[found.start : found.end] == value
    assert found.attributes["provider"] == provider
    assert found.attributes["variable"] == variable
    assert found.attributes["value_sha256"] == fingerprint_secret(value)
    expected = "assignment" if secret_type in NAME_TYPED else "pattern"
    assert found.attributes["detection"] == expected
    assert 0 < found.score <= 1
    assert value not in found.redacted and value not in repr(found)
    assert found.redacted.endswith(value[-4:])


def test_prefixed_keys_are_found_without_any_assignment() -> None:
    anthropic = f"sk-ant-api03-{rand(93)}AA"
    groq = f"gsk_{rand(52)}"
    text = f"Remember to rotate {anthropic}, and also\n{groq} which leaked in the chat log.\n"
    found = detector.detect(text)
    assert [d.type for d in found] == ["anthropic_api_key", "groq_api_key"]
    assert all(d.attributes["variable"] is None for d in found)
    assert found[0].start < found[1].start


def test_python_annotations_and_dict_literals() -> None:
    key1, key2 = rand(40), rand(36)
    text = f'api_key: str = "{key1}"\nconfig = {{"apiKey": "{key2}", "model": "gpt-4o"}}\n'
    found = detector.detect(text)
    assert [(d.attributes["variable"], text[d.start : d.end]) for d in found] == [
        ("api_key", key1),
        ("apiKey", key2),
    ]


def test_variable_naming_a_provider_types_a_generic_value() -> None:
    value = rand(36)
    found = only(detector.detect(f'OPENAI_API_KEY = "{value}"\n'))
    assert (found.type, found.attributes["provider"], found.attributes["detection"]) == (
        "openai_api_key",
        "openai",
        "assignment",
    )


def test_one_value_matched_by_several_patterns_is_reported_once() -> None:
    # a project key carries the T3BlbkFJ marker (matches two OpenAI patterns) and is assigned
    value = f"sk-proj-{rand(60)}T3BlbkFJ{rand(60)}"
    found = only(detector.detect(f'OPENAI_API_KEY="{value}"  # prod\n'))
    assert found.type == "openai_project_key"
    assert found.attributes["detection"] == "pattern"
    assert found.attributes["rule"] == "openai_project_key"


def test_same_value_twice_in_a_text_is_two_detections_with_one_fingerprint() -> None:
    value = f"gsk_{rand(52)}"
    found = detector.detect(f"GROQ_API_KEY={value}\nBACKUP={value}\n")
    assert len(found) == 2
    assert found[0].attributes["value_sha256"] == found[1].attributes["value_sha256"]


def test_private_key_blocks() -> None:
    body = "\n".join(rand(64, ALNUM + "+/") for _ in range(10))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    found = only(detector.detect(f"some text\n{pem}\nmore\n"))
    assert found.type == "private_key"
    assert found.redacted == "…----"
    openssh = pem.replace("RSA", "OPENSSH")
    assert only(detector.detect(openssh)).type == "private_key"


def test_gcp_service_account_json() -> None:
    body = "\\n".join(rand(64, ALNUM + "+/") for _ in range(12))
    key = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"
    text = (
        '{\n  "type": "service_account",\n  "project_id": "acme-prod",\n'
        f'  "private_key_id": "{rand(40, HEX)}",\n  "private_key": "{key}",\n'
        '  "client_email": "svc@acme-prod.iam.gserviceaccount.com"\n}\n'
    )
    found = only(detector.detect(text))
    assert found.type == "gcp_service_account_key"
    assert found.attributes["provider"] == "gcp"
    assert found.attributes["variable"] == "private_key"
    assert text[found.start : found.end].startswith("-----BEGIN PRIVATE KEY-----")


def test_credentials_in_urls_and_bearer_headers() -> None:
    password = rand(20)
    found = only(detector.detect(f'DATABASE_URL = "postgresql://app_user:{password}@db.internal:5432/app"\n'))
    assert found.type == "url_credentials"
    assert found.redacted.endswith(password[-4:])
    token = rand(40, ALNUM + "-_.")
    found = only(detector.detect(f'curl -H "Authorization: Bearer {token}" https://api.acme.io/v1\n'))
    assert found.type == "bearer_token"


def test_slack_webhook() -> None:
    team, bot = rand(8, string.ascii_uppercase), rand(10, string.ascii_uppercase)
    url = f"https://hooks.slack.com/services/T{team}/B{bot}/{rand(24)}"
    assert only(detector.detect(f"webhook: {url}\n")).type == "slack_webhook_url"


NEGATIVES = [
    "OPENAI_API_KEY=sk-...",
    "OPENAI_API_KEY=sk-proj-...",
    'api_key = "your-api-key-here"',
    "OPENAI_API_KEY=<OPENAI_API_KEY>",
    "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "password: changeme",
    'SECRET_KEY = "changeme-changeme-changeme"',
    "OPENAI_API_KEY=${OPENAI_API_KEY}",
    "OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}",
    "  token: '{{ secrets.GITHUB_TOKEN }}'",
    'api_key = os.environ["OPENAI_API_KEY"]',
    'api_key = os.getenv("OPENAI_API_KEY", "")',
    "const apiKey = process.env.OPENAI_API_KEY;",
    "OPENAI_API_KEY = settings.OPENAI_API_KEY",
    'api_key = f"{prefix}-{suffix}-and-more-characters"',
    "password = getpass.getpass()",
    "PQencryptPasswordConn = pq.PQencryptPasswordConn",
    'SECRET_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
    'API_TOKEN = "abcdefghijklmnopqrstuvwxyz"',
    'API_TOKEN = "0123456789abcdef0123"',
    'API_TOKEN = "12345678901234567890"',
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"',
    "OPENAI_API_KEY=my-openai-api-key",
    "API_KEY_ENV_VAR = 'OPENAI_API_KEY'",
    'SECRET_FILE_PATH = "/etc/secrets/openai/api-key.json"',
    "key_file: ./certs/private-key.pem",
    'api_key_path = "config/keys/openai_api_key.txt"',
    'TOKEN_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"',
    'BASE_URL = "https://api.openai.com/v1"',
    'redis_url = "redis://default:password@localhost:6379/0"',
    "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app",
    'url = f"postgresql://{user}:{password}@{host}/db"',
    'headers = {"Authorization": f"Bearer {token}"}',
    "Authorization: Bearer ${OPENAI_API_KEY}",
    "max_tokens = 4096",
    'tokenizer = AutoTokenizer.from_pretrained("meta-llama/Meta-Llama-3-8B-Instruct")',
    'eos_token: "</s>"',
    "pad_token_id = 0",
    'MAX_TOKENS_PER_REQUEST = "128000"',
    "sort(items, key=lambda item: item.priority)",
    "for key, value in mapping.items():",
    "The API key is stored in the vault; ask the platform team for the token.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_placeholders_references_and_lookalikes_are_not_secrets(text: str) -> None:
    assert detector.detect(text + "\n") == []


def test_markers_in_a_real_looking_value_suppress_it() -> None:
    for marker in ("EXAMPLE", "example", "dummy", "fake", "test", "Sample"):
        value = f"sk-proj-{rand(30)}{marker}{rand(30)}"
        assert detector.detect(f"OPENAI_API_KEY={value}\n") == [], marker


def test_uuids_and_git_shas_are_not_secrets() -> None:
    sha = rand(40, HEX)
    text = (
        f'request_token = "{uuid4()}"\n'
        f'session_id = "{uuid4()}"\n'
        f'model = AutoModel.from_pretrained("org/model", revision="{sha}")\n'
        f"commit: {sha}\n"
        f"revision = '{sha}'\n"
    )
    assert detector.detect(text) == []


def test_prefix_less_formats_need_their_provider_named() -> None:
    hex32, alnum40 = rand(32, HEX), rand(40)
    assert detector.detect(f"checksum = {hex32}\nazure_region = eastus\n") == []
    assert detector.detect(f"# azure deployment\nrun_id = {hex32}\n") == []
    assert detector.detect(f"# we use cohere\nmodel_digest: {alnum40}\n") == []
    found = only(detector.detect(f'client = cohere.Client(api_key="{alnum40}")\n'))
    assert found.type == "cohere_api_key"


def test_lock_file_hashes_are_not_secrets() -> None:
    sha512 = rand(86, ALNUM + "+/") + "=="
    sha256 = rand(64, HEX)
    package_lock = json.dumps(
        {
            "packages": {
                "node_modules/openai": {
                    "version": "4.52.0",
                    "resolved": "https://registry.npmjs.org/openai/-/openai-4.52.0.tgz",
                    "integrity": f"sha512-{sha512}",
                }
            }
        },
        indent=2,
    )
    poetry_lock = (
        f'[[package]]\nname = "openai"\nfiles = [\n  {{file = "o.tar.gz", hash = "sha256:{sha256}"}},\n]\n'
    )
    uv_lock = (
        f'[[package]]\nname = "openai"\nsdist = {{ url = "https://x/o.tar.gz", hash = "sha256:{sha256}" }}\n'
    )
    for text in (package_lock, poetry_lock, uv_lock):
        assert detector.detect(text) == []
        assert detector.detect(text, assignments=False) == []


def test_assignments_can_be_switched_off() -> None:
    text = f'INTERNAL_SERVICE_TOKEN = "{rand(32)}"\nGROQ_API_KEY = "gsk_{rand(52)}"\n'
    assert [d.type for d in detector.detect(text)] == ["generic_api_key", "groq_api_key"]
    assert [d.type for d in detector.detect(text, assignments=False)] == ["groq_api_key"]


def test_large_benign_text_with_one_key() -> None:
    lines = [
        f"def handler_{i}(event, key=None):\n    return process(event, key, max_tokens={i})\n"
        for i in range(2000)
    ]
    value = f"hf_{rand(34, string.ascii_letters)}"
    lines.insert(1000, f'HUGGINGFACEHUB_API_TOKEN = "{value}"\n')
    text = "".join(lines)
    found = only(detector.detect(text))
    assert text[found.start : found.end] == value
    assert found.attributes["variable"] == "HUGGINGFACEHUB_API_TOKEN"


def test_detector_interface_and_labels() -> None:
    as_protocol: Detector = detector
    assert as_protocol.name == "secrets"
    assert detector.detect("") == []
    assert secret_type_label("openai_project_key") == "OpenAI project API key"
    assert secret_type_label("nope") == "Secret"
