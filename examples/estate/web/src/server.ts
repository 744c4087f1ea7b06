// Chat widget backend: streams drafts to the help-desk UI.
import express from "express";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
  baseURL: "https://llm-gateway.acme.example/v1",
});
const anthropic = new Anthropic();

const app = express();
app.use(express.json());

app.post("/api/suggest", async (req, res) => {
  const completion = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Suggest a short reply for a support agent." },
      { role: "user", content: req.body.message },
    ],
  });
  res.json({ suggestion: completion.choices[0].message.content });
});

app.post("/api/polish", async (req, res) => {
  const message = await anthropic.messages.create({
    model: "claude-3-5-haiku-20241022",
    max_tokens: 400,
    system: "Polish the grammar of this reply without changing its meaning.",
    messages: [{ role: "user", content: req.body.reply }],
  });
  res.json({ reply: message.content });
});

export async function connectKnowledgeBase(): Promise<Client> {
  const transport = new StdioClientTransport({
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-memory"],
  });
  const client = new Client({ name: "copilot-web", version: "0.3.1" }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

app.listen(3000);
