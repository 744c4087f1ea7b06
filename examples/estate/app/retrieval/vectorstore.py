"""Vector stores: Chroma locally, Pinecone in production."""

import os

import chromadb
from openai import OpenAI
from pinecone import Pinecone

openai_client = OpenAI()
chroma = chromadb.PersistentClient(path="./.chroma")
articles = chroma.get_or_create_collection("helpdesk-articles")

pc = Pinecone(api_key=os.environ.get("PINECONE_API_KEY", ""))
index = pc.Index(os.environ.get("PINECONE_INDEX", "helpdesk-articles"))


def embed(texts: list[str]) -> list[list[float]]:
    """Embed texts with OpenAI."""
    result = openai_client.embeddings.create(model="text-embedding-3-small", input=texts)
    return [item.embedding for item in result.data]


def search_local(query: str, k: int = 5) -> list[str]:
    """Top-k articles from the local Chroma collection."""
    hits = articles.query(query_embeddings=embed([query]), n_results=k)
    return hits["documents"][0]


def search_production(query: str, k: int = 5) -> list[str]:
    """Top-k articles from Pinecone."""
    hits = index.query(vector=embed([query])[0], top_k=k, include_metadata=True)
    return [match["metadata"]["text"] for match in hits["matches"]]
