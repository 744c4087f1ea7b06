"""Clients of the LLM providers the copilot talks to."""
