"""Service configuration, read from config/settings.yaml and the environment."""

import os
from pathlib import Path

SETTINGS_PATH = Path(__file__).resolve().parent.parent / "config" / "settings.yaml"
OLLAMA_BASE_URL = os.environ.get("OLLAMA_BASE_URL", "http://gpu-box.corp.acme.example:11434")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://copilot@localhost:5432/copilot")
