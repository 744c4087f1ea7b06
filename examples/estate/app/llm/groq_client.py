"""Groq: fast drafts for the live-chat widget (an experiment that stayed)."""

import os

from groq import Groq

client = Groq(api_key=os.environ["GROQ_API_KEY"])


def quick_draft(message: str) -> str:
    """A one-line suggested reply."""
    completion = client.chat.completions.create(
        model="llama-3.1-70b-versatile",
        messages=[
            {"role": "system", "content": "Suggest one short, friendly reply."},
            {"role": "user", "content": message},
        ],
    )
    return completion.choices[0].message.content
