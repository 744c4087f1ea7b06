"""Typed views of the YAML data that drives the Python analyzer, and glob matching of names.

The data files (``code_calls.yaml``, ``code_models.yaml``, ``code_prompts.yaml``,
``llm_taint.yaml``, ``tool_capabilities.yaml``, ``agent_frameworks.yaml``) document their
fields in their headers; this module only validates and indexes them.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from aispm.data import load_yaml


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArgSpec(_Frozen):
    """Where a call keeps one argument: a keyword if written, else a positional index."""

    position: int | None = None
    keywords: tuple[str, ...] = ()

    def pick(self, call: ast.Call) -> ast.expr | None:
        """The argument expression of ``call``, or ``None`` when it is not written."""
        for kw in call.keywords:
            if kw.arg is not None and kw.arg in self.keywords:
                return kw.value
        if self.position is None or self.position >= len(call.args):
            return None
        if any(isinstance(a, ast.Starred) for a in call.args[: self.position + 1]):
            return None
        return call.args[self.position]


MAX_MEMO = 1 << 16
"""Names whose match result a matcher remembers before its memo starts over."""


class Globs:
    """A set of shell-style patterns (``*`` also matches dots) compiled to one expression.

    The same names are matched again and again (in every file), so results are memoised.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        joined = "|".join(fnmatch.translate(p) for p in self.patterns)
        self._regex = re.compile(joined) if joined else None
        self._memo: dict[str, bool] = {}

    def __call__(self, name: str | None) -> bool:
        if not name or self._regex is None:
            return False
        found = self._memo.get(name)
        if found is None:
            if len(self._memo) >= MAX_MEMO:
                self._memo.clear()
            found = self._memo[name] = self._regex.match(name) is not None
        return found


_T = TypeVar("_T", bound="Matchable")


class Matchable(_Frozen):
    """A data entry selected by globs on a qualified name."""

    match: tuple[str, ...]


class Table(Generic[_T]):
    """Entries tried in order; the first whose globs match a name wins."""

    def __init__(self, entries: Sequence[_T]) -> None:
        self._entries = [(Globs(e.match), e) for e in entries]
        self._memo: dict[str, _T | None] = {}

    def find(self, name: str | None) -> _T | None:
        if not name:
            return None
        if name in self._memo:
            return self._memo[name]
        found = next((e for globs, e in self._entries if globs(name)), None)
        if len(self._memo) >= MAX_MEMO:
            self._memo.clear()
        self._memo[name] = found
        return found


# --- code_calls.yaml ------------------------------------------------------------------------


class WatchedCall(_Frozen):
    ai: bool = False


class CodeCalls(_Frozen):
    functions: dict[str, WatchedCall]
    suffixes: tuple[str, ...]
    secret_keywords: frozenset[str]
    aliases: dict[str, str]
    model_loaders: dict[str, ArgSpec]


# --- code_models.yaml -----------------------------------------------------------------------


class CodeModels(_Frozen):
    model_keywords: frozenset[str]
    positional_models: dict[str, int]
    hub_loaders: tuple[str, ...]
    hub_keywords: frozenset[str]
    endpoint_keywords: frozenset[str]
    endpoint_env: dict[str, tuple[str, ...]]


# --- code_prompts.yaml ----------------------------------------------------------------------


class CodePrompts(_Frozen):
    roles: frozenset[str]
    keywords: frozenset[str]
    calls: dict[str, ArgSpec]
    wrappers: frozenset[str]
    variables: str


# --- llm_taint.yaml -------------------------------------------------------------------------


class Sink(Matchable):
    positions: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()
    any: bool = False


class LlmTaint(_Frozen):
    sources: tuple[str, ...]
    sanitizers: tuple[str, ...]
    sinks: tuple[Sink, ...]


# --- tool_capabilities.yaml -----------------------------------------------------------------


class ToolCapabilities(_Frozen):
    calls: dict[str, tuple[str, ...]]
    open_calls: dict[str, int]
    dynamic_only: frozenset[str]
    sql_methods: frozenset[str]
    sql_modules: tuple[str, ...]
    sql_text: frozenset[str]


# --- agent_frameworks.yaml ------------------------------------------------------------------


class AmbiguousModule(_Frozen):
    names: frozenset[str]
    submodules: tuple[str, ...]


class ToolDecorator(Matchable):
    framework: str
    owner: bool = False


class ToolRegistration(Matchable):
    framework: str
    function: ArgSpec
    name: ArgSpec = ArgSpec()
    owner: ArgSpec = ArgSpec()


class FrameworkClass(Matchable):
    framework: str


class BuiltinTool(Matchable):
    framework: str
    capabilities: tuple[str, ...]


class LoadTools(Matchable):
    names: dict[str, tuple[str, ...]]
    default: tuple[str, ...]


class AgentSpec(Matchable):
    framework: str
    name: ArgSpec = ArgSpec()
    model: ArgSpec = ArgSpec()
    tools: ArgSpec = ArgSpec()
    mcp_servers: ArgSpec = ArgSpec()
    inner: ArgSpec = ArgSpec()
    builtin: tuple[str, ...] = ()


class McpClientSpec(Matchable):
    transport: str
    params: ArgSpec = ArgSpec()
    command: ArgSpec = ArgSpec()
    args: ArgSpec = ArgSpec()
    env: ArgSpec = ArgSpec()
    url: ArgSpec = ArgSpec()
    name: ArgSpec = ArgSpec()
    servers: ArgSpec = ArgSpec()


class McpServerSpec(Matchable):
    framework: str
    name: ArgSpec = ArgSpec()
    transport: ArgSpec = ArgSpec()
    host: ArgSpec = ArgSpec()
    port: ArgSpec = ArgSpec()
    run: tuple[str, ...] = ()


class SchemaBuiltin(Matchable):
    capabilities: tuple[str, ...]


class SchemaTools(_Frozen):
    keywords: frozenset[str]
    builtin: tuple[SchemaBuiltin, ...]


class AgentFrameworks(_Frozen):
    ambiguous_modules: dict[str, AmbiguousModule]
    tool_decorators: tuple[ToolDecorator, ...]
    tool_registrations: tuple[ToolRegistration, ...]
    tool_base_classes: tuple[FrameworkClass, ...]
    tool_methods: frozenset[str]
    builtin_tools: tuple[BuiltinTool, ...]
    load_tools: LoadTools
    agents: tuple[AgentSpec, ...]
    mcp_clients: tuple[McpClientSpec, ...]
    mcp_servers: tuple[McpServerSpec, ...]
    mcp_tool_loaders: tuple[str, ...]
    schema_tools: SchemaTools


class PythonData:
    """Every data file of the Python analyzer, validated, with compiled matchers."""

    def __init__(self) -> None:
        self.calls = CodeCalls.model_validate(load_yaml("code_calls.yaml"))
        self.models = CodeModels.model_validate(load_yaml("code_models.yaml"))
        self.prompts = CodePrompts.model_validate(load_yaml("code_prompts.yaml"))
        self.taint = LlmTaint.model_validate(load_yaml("llm_taint.yaml"))
        self.capabilities = ToolCapabilities.model_validate(load_yaml("tool_capabilities.yaml"))
        self.frameworks = AgentFrameworks.model_validate(load_yaml("agent_frameworks.yaml"))
        f = self.frameworks
        self.tool_decorators = Table(f.tool_decorators)
        self.tool_registrations = Table(f.tool_registrations)
        self.tool_base_classes = Table(f.tool_base_classes)
        self.builtin_tools = Table(f.builtin_tools)
        self.agents = Table(f.agents)
        self.mcp_clients = Table(f.mcp_clients)
        self.mcp_servers = Table(f.mcp_servers)
        self.load_tools = Globs(f.load_tools.match)
        self.mcp_tool_loaders = Globs(f.mcp_tool_loaders)
        self.schema_builtins = Table(f.schema_tools.builtin)
        self.hub_loaders = Globs(self.models.hub_loaders)
        self.positional_models = [(Globs([p]), i) for p, i in self.models.positional_models.items()]
        self.prompt_calls = [(Globs([p]), spec) for p, spec in self.prompts.calls.items()]
        self.prompt_variables = re.compile(self.prompts.variables)
        self.taint_sources = Globs(self.taint.sources)
        self.sanitizers = Globs(self.taint.sanitizers)
        self.sinks = Table(self.taint.sinks)
        self.capability_calls = {cap: Globs(p) for cap, p in self.capabilities.calls.items()}
        self.sql_modules = Globs([m for name in self.capabilities.sql_modules for m in (name, name + ".*")])
        self._canonical: dict[str, str] = {}

    def canonical(self, qname: str) -> str:
        """``qname`` with the longest dotted prefix that has an alias (``code_calls.yaml``)
        rewritten to its canonical spelling."""
        found = self._canonical.get(qname)
        if found is not None:
            return found
        found = qname
        aliases = self.calls.aliases
        end = len(qname)
        while end > 0:
            target = aliases.get(qname[:end])
            if target is not None:
                found = target + qname[end:]
                break
            end = qname.rfind(".", 0, end)
        if len(self._canonical) >= MAX_MEMO:
            self._canonical.clear()
        self._canonical[qname] = found
        return found


@cache
def python_data() -> PythonData:
    """The analyzer's data, loaded once."""
    return PythonData()
