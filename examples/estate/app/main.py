"""HTTP API of the copilot."""

from fastapi import FastAPI
from pydantic import BaseModel

from app.agents.ops_agent import ask_ops
from app.llm.anthropic_client import review_tone
from app.llm.openai_client import answer_ticket
from app.retrieval.vectorstore import search_production

app = FastAPI(title="support-copilot")


class Ticket(BaseModel):
    """An incoming ticket."""

    id: str
    text: str


@app.post("/draft")
def draft(ticket: Ticket) -> dict:
    """Draft and tone-check a reply."""
    articles = search_production(ticket.text)
    reply = answer_ticket(ticket.text, articles)
    return {"reply": reply, "tone": review_tone(reply)}


@app.post("/ops")
def ops(request: dict) -> dict:
    """Staff-only: run the ops agent (no authentication yet, see TODO)."""
    return {"answer": ask_ops(request["question"])}
