"""LLM agents that act on behalf of support staff."""
