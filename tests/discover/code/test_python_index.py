"""The one-pass module index of the Python analyzer agrees with the plain ``ast`` walks it
replaces (imports, functions, assignment targets, per-scope binding counts, post-orders), and
the memoised matchers and catalog look-ups answer as the unmemoised ones do."""

from __future__ import annotations

import ast
import gc
import textwrap
import weakref
from collections import Counter

import pytest

from aispm.discover.code.catalog import Catalog, CatalogEntry, load_catalog
from aispm.discover.code.python_data import Globs, Table, ToolDecorator
from aispm.discover.code.python_index import ImportRecord, child_nodes, index_module
from aispm.discover.code.python_lookup import catalog_lookup
from aispm.discover.code.python_walk import postorder

SOURCE = textwrap.dedent(
    """
    import os, os.path as osp
    import langchain.chat_models
    from openai import OpenAI as O, AsyncOpenAI
    from . import sibling
    from .pkg import thing
    from anthropic import *
    from typing import TYPE_CHECKING; import json

    client = O()
    client = O(api_key=os.getenv("K"))
    x: int = 1
    count = 0
    count += 1
    a, (b, *c) = 1, (2, 3)
    [d] = [4]
    if (w := len("abc")) > 2:
        import yaml
    squares = [y for y in range(3)]
    f = lambda z: (q := z)
    gen = {k: v for k, v in {}.items()}

    @decorator(name=(deco := "n"))
    def tool(arg, default=(dflt := 1), *rest, key=None, **kw):
        inner = 1
        inner = 2
        global g
        from sub import helper as h
        def nested():
            local = "x"
            def tool():
                return 0
            return local
        class Inside:
            attr = 1
        return nested

    class Thing(Base, metaclass=Meta):
        name = "thing"
        def run(self):
            self.llm = O()
            self.other: O = O()
            return self.llm

    async def main():
        async with O() as session, open("p") as fh:
            result = await session.call()
        try:
            pass
        except ValueError as err:
            handled = err
        for i, j in []:
            total = i
        while (n := 0):
            pass
        match result:
            case {"k": value} if value:
                matched = value
            case [first, *others]:
                matched = first
        del handled

    def tool():
        return "second definition"
    """
)


def reference_counts(body: list[ast.stmt]) -> Counter[str]:
    """The original, per-scope walk (``ast.iter_child_nodes`` everywhere)."""
    counts: Counter[str] = Counter()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] += 1
            continue
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] += 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                counts[alias.asname or alias.name.split(".")[0]] += 1
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            counts[node.target.id] += 1
        stack.extend(ast.iter_child_nodes(node))
    return counts


def reference_postorder(node: ast.AST) -> list[ast.expr]:
    """The original two-phase stack post-order over ``ast.iter_child_nodes``."""
    result: list[ast.expr] = []
    stack: list[tuple[ast.AST, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            if isinstance(current, ast.expr):
                result.append(current)
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(list(ast.iter_child_nodes(current))))
    return result


@pytest.fixture
def tree() -> ast.Module:
    return ast.parse(SOURCE)


def test_counts_of_every_scope_match_a_walk_per_scope(tree: ast.Module) -> None:
    index = index_module(tree)
    owners = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)),
    ]
    assert len(index.counts) == len(owners)
    for owner in owners:
        assert isinstance(owner, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        assert index.counts[id(owner)] == reference_counts(owner.body), getattr(owner, "name", "module")
    module = index.counts[id(tree)]
    assert module["client"] == 2 and module["count"] == 3 and module["w"] == 1  # += is never constant
    assert "q" not in module and "y" not in module and "deco" not in module and "dflt" not in module


def test_imports_are_the_absolute_ones_by_line(tree: ast.Module) -> None:
    imports = index_module(tree).imports
    assert imports[:4] == [
        ImportRecord("os", "os", "os", 2),
        ImportRecord("osp", "os.path", "os.path", 2),
        ImportRecord("langchain", "langchain", "langchain.chat_models", 3),
        ImportRecord("O", "openai.OpenAI", "openai", 4),
    ]
    modules = [record.module for record in imports]
    assert "pkg" not in modules and "" not in modules
    assert ImportRecord(None, "anthropic", "anthropic", 7) in imports
    assert [r.line for r in imports] == sorted(r.line for r in imports)
    assert ImportRecord("h", "sub.helper", "sub", 28) in imports


def test_first_function_of_a_name_in_walk_order_wins(tree: ast.Module) -> None:
    functions = index_module(tree).functions
    first: dict[str, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first.setdefault(node.name, node)
    assert functions == first
    assert functions["tool"].lineno == 24  # the module-level one, not the nested one


def test_assignment_targets(tree: ast.Module) -> None:
    targets = index_module(tree).targets
    named = set(targets.values())
    assert {"client", "llm", "other", "session", "fh", "result"} <= named
    by_line = {
        node.lineno: name for node in ast.walk(tree) if id(node) in targets for name in [targets[id(node)]]
    }
    assert by_line[10] == "client" and by_line[11] == "client"


def test_postorders_match_the_reference_walk(tree: ast.Module) -> None:
    index = index_module(tree)
    assert index.postorder
    roots = 0
    for node in ast.walk(tree):
        if id(node) in index.postorder:
            roots += 1
            assert index.postorder[id(node)] == reference_postorder(node)
    assert roots == len(index.postorder)
    for node in ast.walk(tree):
        assert list(postorder(node)) == reference_postorder(node)


def test_child_nodes_leave_out_only_context_and_operator_leaves(tree: ast.Module) -> None:
    leaves = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
    for node in ast.walk(tree):
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, leaves)]
        assert child_nodes(node) == expected


def test_globs_and_tables_answer_the_same_when_asked_again() -> None:
    globs = Globs(["openai.*", "exact.name"])
    for _ in range(2):
        assert globs("openai.OpenAI.chat") and globs("exact.name")
        assert not globs("exact.name.more") and not globs("") and not globs(None)
    assert not Globs([])("anything")
    table = Table(
        [ToolDecorator(match=("a.*",), framework="one"), ToolDecorator(match=("a.b",), framework="two")]
    )
    for _ in range(2):
        found = table.find("a.b")
        assert found is not None and found.framework == "one"
        assert table.find("b") is None and table.find(None) is None


def test_catalog_lookup_matches_the_catalog() -> None:
    catalog = load_catalog()
    lookup = catalog_lookup(catalog)
    assert catalog_lookup(catalog) is lookup
    for name in ["openai", "openai.OpenAI", "langchain_openai.ChatOpenAI", "os.path", "boto3.client"]:
        for _ in range(2):
            assert lookup.module(name) == catalog.for_python_module(name)
    entry = CatalogEntry(
        id="x",
        name="X",
        kind="ai_service",
        category="llm_api",
        provider="x",
        python=("xsdk",),
        python_calls=("a.b",),
    )
    small = Catalog([entry])
    small_lookup = catalog_lookup(small)
    assert small_lookup.call_prefix("a.b.c") is entry and small_lookup.call_prefix("a") is None
    assert small_lookup.module("xsdk.sub") is entry and small_lookup.module("xsdkother") is None


def test_catalog_lookups_do_not_keep_catalogs_alive() -> None:
    catalog = Catalog([])
    catalog_lookup(catalog)
    ref = weakref.ref(catalog)
    del catalog
    gc.collect()
    assert ref() is None
