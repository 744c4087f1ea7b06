// Conversation summaries for the handover view (LangChain.js).
import { ChatOpenAI } from "@langchain/openai";
import { PromptTemplate } from "langchain/prompts";

const model = new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 });
const prompt = PromptTemplate.fromTemplate(
  "Summarize this support conversation in under {maxWords} words:\n\n{conversation}"
);

export async function summarize(conversation) {
  const chain = prompt.pipe(model);
  const result = await chain.invoke({ conversation, maxWords: 80 });
  return result.content;
}
