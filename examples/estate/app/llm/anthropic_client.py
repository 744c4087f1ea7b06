"""Anthropic Claude: long-ticket reasoning and tone review."""

import anthropic

client = anthropic.Anthropic()

TONE_REVIEW_SYSTEM = (
    "You review customer-support replies for tone. Flag sarcasm, blame and jargon. "
    "Reply with a JSON object {\"ok\": bool, \"issues\": [str]}."
)


def review_tone(reply: str) -> str:
    """Check the tone of a drafted reply."""
    message = client.messages.create(
        model="claude-3-5-sonnet-20241022",
        max_tokens=512,
        system=TONE_REVIEW_SYSTEM,
        messages=[{"role": "user", "content": reply}],
    )
    return message.content[0].text
