"""Support analytics: natural-language questions over the tickets database."""

import psycopg2
from openai import OpenAI

from app.config import DATABASE_URL

client = OpenAI()


def compute_metric(question: str) -> float:
    """Have the model write a Python expression for a metric and evaluate it."""
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Answer with a single Python arithmetic expression."},
            {"role": "user", "content": question},
        ],
    )
    expression = response.choices[0].message.content
    # LLM output executed as code.
    return eval(expression)


def tickets_by_customer(request: str) -> list[tuple]:
    """Turn a request into a customer name with the LLM, then query the tickets table."""
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Extract the customer name from the request. Reply with the name only."},
            {"role": "user", "content": request},
        ],
    )
    customer = response.choices[0].message.content
    conn = psycopg2.connect(DATABASE_URL)
    cursor = conn.cursor()
    # LLM output interpolated into SQL.
    cursor.execute(f"SELECT id, subject, status FROM tickets WHERE customer_name = '{customer}'")
    return cursor.fetchall()
