"""The analysis core shared by the Python and notebook analyzers: source text in, assets out.

The source is parsed with :mod:`ast` (never imported or run); one indexing pass
(:mod:`python_index`) collects imports, functions, assignment targets and per-scope binding
counts, imports are resolved, then one ordered walk (:mod:`python_walk`) feeds every call, dict
and list to the parts that look for catalog entries, models and endpoints, agents and tools,
system prompts, notable calls, JSON-schema tool lists and LLM output reaching dangerous sinks.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile
from aispm.discover.code.catalog import load_catalog
from aispm.discover.code.python_agents import AgentTracker
from aispm.discover.code.python_calls import CallRecorder
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_data import python_data
from aispm.discover.code.python_found import Found
from aispm.discover.code.python_gate import imported_modules
from aispm.discover.code.python_lookup import catalog_lookup
from aispm.discover.code.python_models import ModelTracker
from aispm.discover.code.python_prompts import PromptTracker
from aispm.discover.code.python_resolve import Resolver, Scope
from aispm.discover.code.python_schema_tools import SchemaToolTracker
from aispm.discover.code.python_taint import TaintTracker
from aispm.discover.code.python_walk import FunctionNode, Walker

ENVIRON_SETDEFAULT = "os.environ.setdefault"


def parse_python(source: str, filename: str, *, top_level_await: bool = False) -> ast.Module:
    """Parse source to an AST (``compile`` with ``PyCF_ONLY_AST`` only parses, runs nothing).

    Raises SyntaxError, ValueError (NUL bytes), RecursionError or MemoryError on bad input.
    """
    flags = ast.PyCF_ONLY_AST | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if top_level_await else 0)
    tree = compile(source, filename, "exec", flags=flags, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree


class PythonAnalysis:
    """Analysis of one parsed module; :meth:`run` fills ``ctx.found``."""

    def __init__(
        self, file: SourceFile, tree: ast.Module, line_of: Callable[[int], int] = lambda n: n
    ) -> None:
        data = python_data()
        self.tree = tree
        self.ctx = Context(file, Resolver(tree, load_catalog(), data), data, line_of)
        self.ctx.assigned = self.ctx.resolver.index.targets
        self.models = ModelTracker(self.ctx)
        self.agents = AgentTracker(self.ctx, self.models)
        self.schema_tools = SchemaToolTracker(self.ctx, self.agents)
        self.prompts = PromptTracker(self.ctx)
        self.calls = CallRecorder(self.ctx)
        self.taint = TaintTracker(self.ctx)

    def run(self) -> None:
        self._imports()
        module_scope = Walker(self.ctx.resolver, self).module(self.tree)
        self.agents.finish(module_scope)
        self.models.finish()

    def emit(self, out: Inventory, language: str = "python") -> None:
        self.ctx.found.emit(self.ctx.file, out, language)

    def _imports(self) -> None:
        resolver = self.ctx.resolver
        for record in resolver.import_records:
            canonical = resolver.data.canonical(record.qname)
            entries = {resolver.entry_for(canonical), resolver.entry_for(record.module)}
            for entry in sorted((e for e in entries if e is not None), key=lambda e: e.id):
                self.ctx.found.uses.append((entry, self.ctx.line_of(record.line), record.module))

    # --- walk handler -------------------------------------------------------------------------

    def on_expr(self, node: ast.expr, scope: Scope) -> None:
        if isinstance(node, ast.Call):
            self._call(node, scope)
        elif isinstance(node, ast.Dict):
            self.prompts.on_dict(node, scope)
        elif isinstance(node, ast.List | ast.Tuple):
            self.prompts.on_sequence(node, scope)

    def _call(self, call: ast.Call, scope: Scope) -> None:
        name, ref = self.ctx.resolver.call_name(call, scope)
        self.taint.on_call(call, name, scope)
        if name == ENVIRON_SETDEFAULT and len(call.args) == 2:
            key = self.ctx.resolver.string(call.args[0], scope)
            if key is not None:
                self.models.on_environ(str(key.value), call.args[1], scope, default=True)
        entry = None
        if ref is not None and name is not None:
            entry = self.ctx.resolver.call_entry(call, name, scope) or ref.entry
            self.calls.on_call(call, name, ref, scope)
            if entry is not None:
                self.ctx.found.uses.append((entry, self.ctx.line(call), name))
                self.models.on_call(call, name, entry, scope, instance=ref.qname.endswith("()"))
                self.schema_tools.on_call(call, name, entry, scope)
            self.agents.on_call(call, name, ref, scope)
        self.prompts.on_call(call, name, entry is not None, scope)

    def on_assign(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        self.taint.on_assign(target, value, scope)
        self.prompts.on_assign(target, value, scope)
        if isinstance(target, ast.Attribute) and value is not None:
            self.models.on_setting(target, value, scope)
        elif isinstance(target, ast.Subscript) and value is not None:
            name = self.ctx.resolver.environ_key(target, scope)
            if name is not None:
                self.models.on_environ(name, value, scope)

    def on_def(self, node: FunctionNode, scope: Scope) -> None:
        self.agents.on_def(node, scope)

    def on_class(self, node: ast.ClassDef, scope: Scope) -> None:
        self.agents.on_class(node, scope)


def analyze_source(
    file: SourceFile,
    source: str,
    out: Inventory,
    *,
    source_name: str = "python",
    language: str = "python",
    line_of: Callable[[int], int] = lambda n: n,
    top_level_await: bool = False,
) -> None:
    """Parse and analyse ``source`` of ``file``; problems become warnings named ``source_name``."""
    try:
        tree = parse_python(source, file.rel, top_level_await=top_level_await)
    except SyntaxError as exc:
        line = line_of(exc.lineno) if exc.lineno else None
        out.warn(source_name, f"cannot parse Python: {exc.msg} (line {line})", file.location(line))
        _unparsed_imports(file, source, out, language, line_of)
        return
    except (ValueError, RecursionError, MemoryError) as exc:
        out.warn(source_name, f"cannot parse Python: {type(exc).__name__}: {exc}", file.location())
        if not isinstance(exc, MemoryError):
            _unparsed_imports(file, source, out, language, line_of)
        return
    analysis = PythonAnalysis(file, tree, line_of)
    try:
        analysis.run()
    except RecursionError:
        out.warn(source_name, "code nested too deeply to analyse; skipped", file.location())
        return
    analysis.emit(out, language)


def _unparsed_imports(
    file: SourceFile, source: str, out: Inventory, language: str, line_of: Callable[[int], int]
) -> None:
    """The catalog entries a file that cannot be parsed imports (read from its import lines),
    so a Python 2 module or a file with one syntax error still shows which AI SDKs it uses.
    Modules whose name other packages share (``agents``) count only through their own submodules."""
    lookup = catalog_lookup(load_catalog())
    ambiguous = python_data().frameworks.ambiguous_modules
    found = Found()
    for module, line in imported_modules(source):
        rule = ambiguous.get(module.split(".")[0])
        if rule is not None and not any(module == m or module.startswith(m + ".") for m in rule.submodules):
            continue
        name = python_data().canonical(module)
        entry = lookup.call_prefix(name) or lookup.module(name)
        if entry is not None and all(entry is not e or line_of(line) != at for e, at, _ in found.uses):
            found.uses.append((entry, line_of(line), module))
    found.emit(file, out, language)
