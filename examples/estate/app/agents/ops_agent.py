"""Back-office agent (LangChain ReAct): lets support staff run maintenance tasks in plain English."""

import subprocess
from pathlib import Path

from langchain.agents import AgentExecutor, create_react_agent
from langchain.tools import tool
from langchain_core.prompts import PromptTemplate
from langchain_openai import ChatOpenAI

WORKSPACE = Path("/srv/copilot/workspace")


@tool
def run_command(cmd: str) -> str:
    """Run a shell command on the support server and return its output."""
    result = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


@tool
def save_note(filename: str, content: str) -> str:
    """Write a note file into the shared workspace."""
    target = WORKSPACE / filename
    with open(target, "w") as fh:
        fh.write(content)
    return f"saved {target}"


@tool
def lookup_article(article_id: str) -> str:
    """Return the title of a help-centre article."""
    titles = {"42": "Resetting your password", "43": "Changing your billing address"}
    return titles.get(article_id, "unknown article")


REACT_PROMPT = PromptTemplate.from_template(
    "You are the Acme ops assistant. You have access to these tools:\n{tools}\n\n"
    "Use the format:\nQuestion: ...\nThought: ...\nAction: one of [{tool_names}]\n"
    "Action Input: ...\nObservation: ...\nFinal Answer: ...\n\nQuestion: {input}\n{agent_scratchpad}"
)

llm = ChatOpenAI(model="gpt-4o", temperature=0)
tools = [run_command, save_note, lookup_article]
agent = create_react_agent(llm, tools, REACT_PROMPT)
ops_agent = AgentExecutor(agent=agent, tools=tools, verbose=True, handle_parsing_errors=True)


def ask_ops(question: str) -> str:
    """Run the ops agent on a staff request."""
    return ops_agent.invoke({"input": question})["output"]
