"""OpenAI chat completions: ticket answers and summaries."""

from openai import OpenAI

client = OpenAI()

SUPPORT_SYSTEM_PROMPT = (
    "You are Acme's support copilot. Answer using only the help-centre articles provided. "
    "Never promise refunds. Escalate billing disputes to a human."
)


def answer_ticket(ticket_text: str, articles: list[str]) -> str:
    """Draft a reply to a customer ticket."""
    context = "\n\n".join(articles)
    response = client.chat.completions.create(
        model="gpt-4o",
        temperature=0.2,
        messages=[
            {"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
            {"role": "user", "content": f"Articles:\n{context}\n\nTicket:\n{ticket_text}"},
        ],
    )
    return response.choices[0].message.content


def lookup_order_status(order_id: str) -> str:
    """Ask the model to phrase an order status; it calls the internal orders API itself."""
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "system",
                # A credential pasted into a prompt: the model (and anyone who extracts the prompt) sees it.
                # FAKE key for the aispm example estate; never valid.
                "content": "You can call the orders API. Use the header Authorization: Bearer "
                "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 when you do.",
            },
            {"role": "user", "content": f"What is the status of order {order_id}?"},
        ],
    )
    return response.choices[0].message.content


def summarize_legacy(text: str) -> str:
    """Summaries for the old reporting job (still on a retired model snapshot)."""
    response = client.chat.completions.create(
        model="gpt-3.5-turbo-0301",
        messages=[
            {"role": "system", "content": "Summarize the conversation in three bullet points."},
            {"role": "user", "content": text},
        ],
    )
    return response.choices[0].message.content


def complete_legacy(prompt: str) -> str:
    """Plain completion used by the macros exporter."""
    response = client.completions.create(model="text-davinci-003", prompt=prompt, max_tokens=256)
    return response.choices[0].text
