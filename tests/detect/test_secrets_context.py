"""The secrets detector on literals passed as arguments, given as fallbacks, typed by what surrounds
them, in connection URLs, and on the newer provider formats (random keys, never real ones)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest

from aispm.detect.base import Detection
from aispm.detect.secrets import SecretsDetector

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
_MARKERS = ("example", "sample", "dummy", "fake", "test", "your", "here", "xxxx", "todo", "mock", "redacted")
_rng = random.Random(20250601)

detector = SecretsDetector()


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random characters that by chance contain no placeholder word."""
    while True:
        value = "".join(_rng.choice(alphabet) for _ in range(n))
        if not any(m in value.lower() for m in _MARKERS) and not any(c * 4 in value for c in alphabet):
            return value


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    _rng.seed(request.node.nodeid)


def only(detections: list[Detection]) -> Detection:
    assert len(detections) == 1, [(d.type, d.attributes) for d in detections]
    return detections[0]


def found(text: str) -> tuple[str, str, str | None, str]:
    """(type, provider, variable, detected value) of the one secret in ``text``."""
    d = only(detector.detect(text))
    variable = d.attributes["variable"]
    return (
        d.type,
        str(d.attributes["provider"]),
        None if variable is None else str(variable),
        text[d.start : d.end],
    )


# --- 1. keyword arguments and object properties are assignments ------------------------------


KWARG_NAMES = [
    "api_key",
    "token",
    "auth_token",
    "access_token",
    "password",
    "secret",
    "client_secret",
    "aws_secret_access_key",
    "apiKey",
]


@pytest.mark.parametrize("name", KWARG_NAMES)
@pytest.mark.parametrize("shape", ["sk_hex", "alnum32", "hex40", "b64_40"])
def test_literal_keyword_arguments_are_found(name: str, shape: str) -> None:
    value = {
        "sk_hex": lambda: f"sk-{rand(32, HEX)}",
        "alnum32": lambda: rand(32),
        "hex40": lambda: rand(40, HEX),
        "b64_40": lambda: rand(1) + rand(39, ALNUM + "+/"),  # a leading "/" reads as a path
    }[shape]()
    for text in (
        f'client = Client({name}="{value}", base_url=url)\n',
        f'client = Client(\n    timeout=30,\n    {name}="{value}",\n)\n',
        f'const client = new Client({{ {name}: "{value}", timeout: 30 }});\n',
        f"const client = new Client({{\n  {name}: '{value}',\n}});\n",
    ):
        _, _, variable, detected = found(text)
        assert (variable, detected) == (name, value), text


def test_the_sweep_miss_an_sk_hex_key_passed_to_an_openai_client() -> None:
    value = f"sk-{rand(32, HEX)}"
    secret_type, provider, variable, detected = found(
        f'client = OpenAI(api_key="{value}", base_url=os.environ["LLM_BASE_URL"])\n'
    )
    assert (secret_type, provider, variable, detected) == ("sk_hex_api_key", "generic", "api_key", value)
    # the same key assigned to a variable is the same finding
    assert found(f'api_key = "{value}"\n')[0] == "sk_hex_api_key"


@pytest.mark.parametrize(
    "text",
    [
        'client = OpenAI(api_key="sk-your-key-here", base_url=url)',
        'client = OpenAI(api_key="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")',
        "client = OpenAI(api_key=os.environ['OPENAI_API_KEY'])",
        "client = OpenAI(api_key=settings.openai_api_key, base_url=settings.base_url)",
        'const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: "https://api.x.ai/v1" });',
        "const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY || '' });",
        "const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'your-api-key' });",
        'api_key = os.getenv("OPENAI_API_KEY", "sk-...")',
        'conn = connect(password=getpass.getpass(), user="admin")',
        'client = Client(token="<YOUR_TOKEN>")',
        'hf_hub_download(repo_id="org/model", revision="0123456789abcdef0123456789abcdef01234567")',
        'resp = call(secret="sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")',
    ],
)
def test_argument_placeholders_references_and_hashes_are_not_secrets(text: str) -> None:
    assert detector.detect(text + "\n") == []


def test_hash_and_uuid_arguments_are_not_secrets() -> None:
    sha = rand(40, HEX)
    text = (
        f'model = AutoModel.from_pretrained("org/m", revision="{sha}")\n'
        f'log(request_token="{rand(8, HEX)}-{rand(4, HEX)}-{rand(4, HEX)}-{rand(4, HEX)}-{rand(12, HEX)}")\n'
    )
    assert detector.detect(text) == []


# --- 2. the provider named by the name, the call or the section --------------------------------


def test_provider_named_by_the_variable_or_keyword() -> None:
    key = rand(32)
    assert found(f'MISTRAL_API_KEY = "{key}"\n')[:2] == ("mistral_api_key", "mistral")
    serp = rand(64, HEX)
    assert found(f'SERPAPI_API_KEY = "{serp}"\n')[:2] == ("serpapi_api_key", "serpapi")
    assert found(f'search = SerpAPIWrapper(serpapi_api_key="{serp}")\n')[:3] == (
        "serpapi_api_key",
        "serpapi",
        "serpapi_api_key",
    )


@pytest.mark.parametrize(
    "template",
    [
        'client = Mistral(api_key="{v}")\n',
        'client = Mistral(\n    api_key="{v}",\n    timeout=60,\n)\n',
        "const client = new Mistral({{\n  apiKey: '{v}',\n}});\n",
        'llm = ChatMistralAI(model="mistral-large-latest", api_key="{v}")\n',
        'config = {{\n  "mistral": {{\n    "apiKey": "{v}"\n  }}\n}}\n',
        "providers:\n  mistral:\n    model: mistral-large\n    api_key: {v}\n",
        '[providers.mistral]\nmodel = "mistral-large"\napi_key = "{v}"\n',
    ],
)
def test_provider_named_by_the_enclosing_call_object_or_section(template: str) -> None:
    value = rand(40)  # not the 32-character Mistral shape: typed by the surroundings alone
    text = template.format(v=value)
    secret_type, provider, _, detected = found(text)
    assert (secret_type, provider, detected) == ("mistral_api_key", "mistral", value)


def test_provider_named_by_the_client_the_variable_is_passed_to() -> None:
    value = rand(32)
    text = (
        "from mistralai import Mistral\n\n"
        f'api_key = "{value}"\n'
        'model = "mistral-large-latest"\n\n'
        "print(api_key)\n"
        "client = Mistral(api_key=api_key)\n"
    )
    assert found(text) == ("mistral_api_key", "mistral", "api_key", value)
    js = f'const apiKey = "{value}";\nconst client = new Anthropic({{ apiKey: apiKey }});\n'
    assert found(js)[:2] == ("anthropic_api_key", "anthropic")
    deepseek = f'token = "{value}"\nclient = OpenAI(api_key=token, base_url="https://api.deepseek.com")\n'
    assert found(deepseek)[:2] == ("deepseek_api_key", "deepseek")
    # compared, not passed on: no provider
    assert (
        found(f'api_key = "{value}"\nif api_key == Mistral.default_key:\n    pass\n')[0] == "generic_api_key"
    )


def test_base_url_of_the_call_names_the_provider_of_an_openai_compatible_client() -> None:
    value = f"sk-{rand(32, HEX)}"
    text = f'client = OpenAI(\n    api_key="{value}",\n    base_url="https://api.deepseek.com/v1",\n)\n'
    assert found(text)[:2] == ("deepseek_api_key", "deepseek")
    js = f"const c = new OpenAI({{\n  apiKey: '{value}',\n  baseURL: 'https://dashscope.aliyuncs.com/v1',\n}});\n"
    assert found(js)[:2] == ("dashscope_api_key", "alibaba")
    generic = rand(36)
    together = f'llm = ChatOpenAI(\n    openai_api_key="{generic}",\n    openai_api_base="https://api.together.xyz/v1",\n)\n'
    assert found(together)[:2] == ("together_api_key", "together")


def test_an_openai_client_types_the_key_only_without_another_base_url() -> None:
    value = rand(36)
    assert found(f'client = OpenAI(api_key="{value}")\n')[:2] == ("openai_api_key", "openai")
    # pointed somewhere unknown: the key is not known to be OpenAI's
    assert found(f'client = OpenAI(api_key="{value}", base_url=BASE_URL)\n')[:2] == (
        "generic_api_key",
        "generic",
    )
    local = f'client = OpenAI(\n    openai_api_key="{value}",\n    base_url="http://localhost:8000/v1",\n)\n'
    assert found(local)[:2] == ("generic_api_key", "generic")


def test_a_provider_in_the_name_beats_the_call() -> None:
    value = rand(36)
    assert found(f'client = OpenAI(api_key="{value}", groq_api_key="x")\n')[0] == "openai_api_key"
    assert found(f'agent = Agent(model=m, anthropic_api_key="{value}")\n')[:2] == (
        "anthropic_api_key",
        "anthropic",
    )


def test_unrelated_calls_and_sections_do_not_type_a_key() -> None:
    value = rand(36)
    assert found(f'resp = requests.post(url, headers={{"x-api-key": "{value}"}})\n')[:2] == (
        "generic_api_key",
        "generic",
    )
    assert found(f"[server]\nport = 8080\nsecret_token = '{value}'\n")[:2] == ("generic_api_key", "generic")


# --- 3. passwords in connection URLs ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres:postgres@db.prod.acme-corp.io:5432/app",
        "postgresql://langchain:langchain@pg.acme-corp.io/langchain",
        "mysql://root:root@10.0.3.7:3306/app",
        "mongodb+srv://app:admin123@cluster0.abcde.mongodb.net/db",
        "redis://:{pw}@cache.acme-corp.io:6379/0",
        "postgresql://app:{pw}@localhost:5432/app",
        "postgresql://app:{pw}@db:5432/app",
    ],
)
def test_credential_urls_that_are_reported(url: str) -> None:
    url = url.format(pw=rand(16))
    text = f'DATABASE_URL = "{url}"\n'
    secret_type, _, variable, detected = found(text)
    assert (secret_type, variable) == ("url_credentials", "DATABASE_URL")
    assert url.split("://", 1)[1].split("@", 1)[0].endswith(":" + detected)


@pytest.mark.parametrize(
    "url",
    [
        # local hosts (loopback, compose services) with the user as password or an image default
        "postgresql+psycopg://postgres:postgres@localhost/db",
        "postgresql://langchain:langchain@localhost:5432/langchain",
        "postgresql://langchain:langchain@pgvector:5432/langchain",
        "mysql://root:root@127.0.0.1:3306/app",
        "amqp://guest:guest@rabbitmq:5672/",
        "http://minioadmin:minioadmin@minio:9000",
        "redis://default:redis@host.docker.internal:6379",
        # stand-ins and examples, whatever the host
        "postgresql://user:password@db.acme-corp.io/app",
        "mongodb+srv://username:password@cluster0.abcde.mongodb.net/db",
        "postgresql://admin:Xk29fjq8ZpLm@db.example.com/app",
        "postgresql://app:Xk29fjq8ZpLm@your-db-host/app",
        "postgresql://{{user}}:{{password}}@host/db",
    ],
)
def test_credential_urls_that_are_not_reported(url: str) -> None:
    assert detector.detect(f'DATABASE_URL = "{url}"\n') == []


# --- 4. fallbacks of references ---------------------------------------------------------------


def test_a_fallback_literal_records_the_property_name() -> None:
    key = f"sk-or-v1-{rand(64, HEX)}"
    text = f"const client = new OpenAI({{\n  apiKey: process.env.OPENROUTER_API_KEY || '{key}',\n}});\n"
    assert found(text) == ("openrouter_api_key", "openrouter", "apiKey", key)


@pytest.mark.parametrize(
    "template",
    [
        "const apiKey = process.env.MISTRAL_API_KEY ?? '{v}';\n",
        'const config = {{ apiKey: process.env.MISTRAL_API_KEY || "{v}" }};\n',
        'api_key = os.getenv("MISTRAL_API_KEY", "{v}")\n',
        'api_key = os.environ.get("MISTRAL_API_KEY", default="{v}")\n',
        'api_key = os.environ.get("MISTRAL_API_KEY") or "{v}"\n',
        'client = Mistral(api_key=os.getenv("MISTRAL_API_KEY", "{v}"))\n',
    ],
)
def test_a_hard_coded_fallback_is_a_secret_typed_by_its_environment_variable(template: str) -> None:
    value = rand(40)
    secret_type, provider, variable, detected = found(template.format(v=value))
    assert (secret_type, provider, detected) == ("mistral_api_key", "mistral", value)
    assert variable in {"apiKey", "api_key"}


def test_a_fallback_under_a_plain_name_counts_when_the_environment_variable_is_a_credential() -> None:
    value = rand(40)
    assert found(f"const key = process.env.GROQ_API_KEY || '{value}';\n") == (
        "groq_api_key",
        "groq",
        "key",
        value,
    )
    assert detector.detect(f"const region = process.env.AWS_REGION || '{value}';\n") == []


# --- newer provider formats: look-alikes -------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: f"pa-{rand(42)}",  # Voyage: one short
        lambda: f"pa-{'ab' * 21}a",  # Voyage: not random
        lambda: "pa-1-protect-and-limit-highly-privileged-users",  # a URL fragment, not a key
        lambda: "jina_embeddings_v3_base_multilingual_retrieval_passage_task_xyzwv",  # an identifier
        lambda: f"al-{rand(43)}",  # Voyage via Atlas: needs Voyage named
        lambda: f"csk-{rand(47)}",  # Cerebras: one short
        lambda: f"llx-{rand(40)}",  # LlamaCloud: short
        lambda: f"jina_{rand(59)}",  # Jina: one short
        lambda: f"tvly-{rand(31)}",  # Tavily: one short
        lambda: f"fc-{rand(32, 'ghijklmnopqrstuvwxyz')}",  # Firecrawl: not hex
        lambda: f"dapi{rand(31, HEX)}",  # Databricks: one short
        lambda: f"sk-{rand(31, HEX)}",  # sk- and hex: one short
        lambda: f"sk-{rand(48)}",  # Moonshot's shape without Moonshot named
        lambda: f"{rand(32, HEX)}.{rand(16)}",  # Zhipu's shape without Zhipu named
        lambda: f"sk-ant-oat01-{rand(40)}",  # Anthropic OAuth: short
        lambda: f"hf_{rand(35, string.ascii_letters)}",  # Hugging Face: one long
        lambda: f"pplx-{rand(47)}",  # Perplexity: one short
        lambda: f"pcsk_{rand(5)}_{rand(62)}",  # Pinecone: one short
    ],
)
def test_look_alikes_of_the_newer_formats_in_prose_are_not_secrets(make: Callable[[], str]) -> None:
    value = make()
    assert detector.detect(f"The build log printed {value} after the deploy step.\n") == [], value


def test_the_newer_formats_in_prose() -> None:
    keys = {
        "voyage_api_key": f"pa-{rand(43)}",
        "cerebras_api_key": f"csk-{rand(48)}",
        "llamacloud_api_key": f"llx-{rand(48)}",
        "jina_api_key": f"jina_{rand(60)}",
        "tavily_api_key": f"tvly-prod-{rand(32)}",
        "firecrawl_api_key": f"fc-{rand(32, HEX)}",
        "databricks_token": f"dapi{rand(32, HEX)}-2",
        "sk_hex_api_key": f"sk-{rand(32, HEX)}",
        "anthropic_oauth_token": f"sk-ant-oat01-{rand(93)}AA",
    }
    for secret_type, key in keys.items():
        detection = only(detector.detect(f"The build log printed {key} after the deploy step.\n"))
        assert detection.type == secret_type
        assert key not in detection.redacted


def test_prefix_less_formats_with_their_provider_on_the_line() -> None:
    assert found(f"# Moonshot (Kimi) key: sk-{rand(48)}\n")[0] == "moonshot_api_key"
    assert found(f"zhipu token {rand(32, HEX)}.{rand(16)}\n")[0] == "zhipu_api_key"
    assert found(f"voyage key: al-{rand(43)}\n")[0] == "voyage_api_key"


def test_the_public_half_of_a_langfuse_key_pair_is_not_a_secret() -> None:
    uid = f"{rand(8, HEX)}-{rand(4, HEX)}-{rand(4, HEX)}-{rand(4, HEX)}-{rand(12, HEX)}"
    assert detector.detect(f'LANGFUSE_PUBLIC_KEY = "pk-lf-{uid}"\n') == []
    assert found(f'LANGFUSE_SECRET_KEY = "sk-lf-{uid}"\n')[0] == "langfuse_secret_key"
