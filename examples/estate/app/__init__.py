"""support-copilot: an LLM-backed help-desk assistant."""
