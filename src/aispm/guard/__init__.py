"""The runtime guard: an LLM gateway that inspects prompts and responses, enforces the AI policy
and records every request.

>>> from aispm.guard.app import create_app
>>> app = create_app("guard.yaml")          # an ASGI app; `aispm guard` serves it under uvicorn
"""
