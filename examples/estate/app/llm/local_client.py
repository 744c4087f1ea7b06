"""Self-hosted models on the GPU box through Ollama (used for PII redaction)."""

import ollama
import yaml

from app.config import OLLAMA_BASE_URL, SETTINGS_PATH

# Plain http to a shared host on the corporate network: prompts and customer data travel unencrypted.
local = ollama.Client(host="http://gpu-box.corp.acme.example:11434")


def redact_pii(text: str) -> str:
    """Ask a local model to mask personal data."""
    result = local.chat(
        model="llama3.1:8b",
        messages=[
            {"role": "system", "content": "Replace names, emails and phone numbers with [REDACTED]."},
            {"role": "user", "content": text},
        ],
    )
    return result["message"]["content"]


def fallback_client() -> ollama.Client:
    """A client for whatever OLLAMA_BASE_URL points at."""
    return ollama.Client(host=OLLAMA_BASE_URL)


def model_options() -> dict:
    """Sampling options for the local models, from the settings file."""
    with open(SETTINGS_PATH) as fh:
        # yaml.load without SafeLoader: a settings file can construct arbitrary Python objects.
        return yaml.load(fh).get("ollama", {})
