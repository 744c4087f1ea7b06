"""Symbolic execution of a pickle: a stack and memo machine over the opcode stream that never
imports or calls anything.  It records which callables the pickle reaches and with which
arguments, following the indirections an attacker uses to hide them (``getattr``,
``importlib``, ``operator``, ``vars``/``globals``, ``functools.partial``, names built from
strings) and nested pickles passed to ``pickle.loads`` & co."""

from __future__ import annotations

import base64
import binascii
import codecs
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from aispm.artifacts.callables import (
    SAFE,
    classify,
    is_nested_loader,
    is_string_builder,
    normalize,
    resolver_kind,
)
from aispm.artifacts.context import Budget, LimitExceeded, Malformed
from aispm.artifacts.pickle_ops import OPCODES, OpReader, Skipped
from aispm.artifacts.pickle_values import (
    Attr,
    Getter,
    Obj,
    Opaque,
    PDict,
    PersId,
    PSet,
    Ref,
    path_of,
    render,
)

_JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"


class Event(NamedTuple):
    """Something the pickle does: ``ref`` (names a callable), ``call``, ``nested`` (a pickle
    payload given to a loader), ``unresolved`` (a name or callee the machine cannot know),
    ``global_write`` (state written into a module or class)."""

    kind: str
    path: str
    text: str
    """What the pickle does, as Python-like text; empty when it is never reported (a resolved
    indirection, a call to a safe callable)."""
    offset: int
    payload: bytes | Skipped | None = None


class Machine:
    """One pickle's symbolic run."""

    __slots__ = (
        "_marks", "_memo", "_offset", "_saved", "_stack",
        "budget", "events", "inline_pickles", "ops", "protocol", "reader",
    )  # fmt: skip

    def __init__(self, reader: OpReader, budget: Budget) -> None:
        self.reader = reader
        self.budget = budget
        self.events: list[Event] = []
        self.protocol = 0
        self.ops = 0
        self.inline_pickles: list[Machine] = []
        self._stack: list[Any] = []
        self._marks: list[list[Any]] = []
        """The stacks below each MARK, innermost last (``_saved`` items in all)."""
        self._saved = 0
        self._memo: dict[int, Any] = {}
        self._offset = 0

    # -- driver -----------------------------------------------------------------------------

    def run(self) -> Any:
        """Execute until STOP; returns the symbolic result."""
        reader = self.reader
        limits = self.budget.limits
        max_ops, max_stack = limits.max_pickle_ops, limits.max_stack
        steps = _STEPS
        while True:
            offset = reader.offset
            code = reader.read(1)
            step = steps.get(code)
            if step is None:
                raise Malformed(f"unknown opcode 0x{code.hex()} at offset {offset}")
            decode, handler = step
            arg = decode(reader) if decode is not None else None
            self.ops += 1
            self._offset = offset
            if self.ops & 0x1FFF == 0:
                self.budget.check_time()
            if self.ops > max_ops:
                raise LimitExceeded(f"more than {max_ops:,} pickle opcodes")
            if handler is None:  # STOP
                return self._pop()
            handler(self, arg)
            if len(self._stack) + self._saved > max_stack:
                raise LimitExceeded(f"pickle stack deeper than {max_stack:,} items")

    def _emit(self, kind: str, path: str, text: str, payload: bytes | Skipped | None = None) -> None:
        self.events.append(Event(kind, path, text, self._offset, payload))

    # -- stack ------------------------------------------------------------------------------

    def _pop(self) -> Any:
        if not self._stack:
            raise Malformed(f"stack underflow at offset {self._offset}")
        return self._stack.pop()

    def _top(self) -> Any:
        if not self._stack:
            raise Malformed(f"stack underflow at offset {self._offset}")
        return self._stack[-1]

    def _pop_mark(self) -> list[Any]:
        if not self._marks:
            raise Malformed(f"no MARK on the stack at offset {self._offset}")
        items = self._stack
        self._stack = self._marks.pop()
        self._saved -= len(self._stack)
        return items

    def _memo_put(self, index: int, value: Any) -> None:
        if index not in self._memo and len(self._memo) >= self.budget.limits.max_memo:
            raise LimitExceeded(f"more than {self.budget.limits.max_memo:,} memo entries")
        self._memo[index] = value

    def _memo_get(self, index: int) -> Any:
        if index not in self._memo:
            raise Malformed(f"memo key {index} read before it was written (offset {self._offset})")
        return self._memo[index]

    # -- opcodes -----------------------------------------------------------------------------
    # One method each, found in _DISPATCH by name.  A method that pops to a MARK does so before
    # it pushes: popping makes the list below the mark the stack again.

    def _op_none(self, arg: Any) -> None:
        self._stack.append(None)

    def _op_true(self, arg: Any) -> None:
        self._stack.append(True)

    def _op_false(self, arg: Any) -> None:
        self._stack.append(False)

    def _op_empty_tuple(self, arg: Any) -> None:
        self._stack.append(())

    def _op_value(self, arg: Any) -> None:
        """A literal decoded from the opcode stream (number, string, bytes)."""
        self._stack.append(arg)

    def _op_mark(self, arg: Any) -> None:
        self._marks.append(self._stack)
        self._saved += len(self._stack)
        self._stack = []

    def _op_pop(self, arg: Any) -> None:
        if self._stack:
            self._stack.pop()
        else:
            self._pop_mark()

    def _op_pop_mark(self, arg: Any) -> None:
        self._pop_mark()

    def _op_dup(self, arg: Any) -> None:
        self._stack.append(self._top())

    def _op_proto(self, arg: Any) -> None:
        self.protocol = int(arg)

    def _op_nothing(self, arg: Any) -> None:
        """FRAME and READONLY_BUFFER change nothing the machine follows."""

    def _op_put(self, arg: Any) -> None:
        self._memo_put(int(arg), self._top())

    def _op_memoize(self, arg: Any) -> None:
        self._memo_put(len(self._memo), self._top())

    def _op_get(self, arg: Any) -> None:
        self._stack.append(self._memo_get(int(arg)))

    def _op_empty_list(self, arg: Any) -> None:
        self._stack.append([])

    def _op_empty_dict(self, arg: Any) -> None:
        self._stack.append(PDict())

    def _op_empty_set(self, arg: Any) -> None:
        self._stack.append(PSet())

    def _op_list(self, arg: Any) -> None:
        items = self._pop_mark()
        self._stack.append(items)

    def _op_tuple(self, arg: Any) -> None:
        items = self._pop_mark()
        self._stack.append(tuple(items))

    def _op_tuple1(self, arg: Any) -> None:
        self._tuple_of_top(1)

    def _op_tuple2(self, arg: Any) -> None:
        self._tuple_of_top(2)

    def _op_tuple3(self, arg: Any) -> None:
        self._tuple_of_top(3)

    def _tuple_of_top(self, count: int) -> None:
        if len(self._stack) < count:
            raise Malformed(f"stack underflow at offset {self._offset}")
        top = tuple(self._stack[-count:])
        del self._stack[-count:]
        self._stack.append(top)

    def _op_dict(self, arg: Any) -> None:
        items = self._pop_mark()
        self._stack.append(PDict(list(zip(items[::2], items[1::2], strict=False))))

    def _op_frozenset(self, arg: Any) -> None:
        items = self._pop_mark()
        self._stack.append(PSet(items, frozen=True))

    def _op_append(self, arg: Any) -> None:
        value = self._pop()
        self._append(self._top(), [value])

    def _op_appends(self, arg: Any) -> None:
        items = self._pop_mark()
        self._append(self._top(), items)

    def _op_additems(self, arg: Any) -> None:
        items = self._pop_mark()
        target = self._top()
        if isinstance(target, PSet):
            target.items.extend(items[: max(0, 4096 - len(target.items))])

    def _op_setitem(self, arg: Any) -> None:
        value = self._pop()
        key = self._pop()
        self._setitems(self._top(), [(key, value)])

    def _op_setitems(self, arg: Any) -> None:
        items = self._pop_mark()
        self._setitems(self._top(), list(zip(items[::2], items[1::2], strict=False)))

    def _op_global(self, arg: Any) -> None:
        module, attr = arg
        self._stack.append(self._ref(f"{module}.{attr}"))

    def _op_stack_global(self, arg: Any) -> None:
        attr = self._pop()
        module = self._pop()
        if isinstance(module, str) and isinstance(attr, str):
            self._stack.append(self._ref(f"{module}.{attr}"))
        else:
            text = f"STACK_GLOBAL({render(module)}, {render(attr)})"
            self._emit("unresolved", "<unresolved>", text)
            self._stack.append(Opaque(text))

    def _op_reduce(self, arg: Any) -> None:
        """REDUCE and NEWOBJ: a callable (or class) and its argument tuple."""
        args = self._pop()
        func = self._pop()
        self._stack.append(self._call(func, _as_tuple(args), None))

    def _op_newobj_ex(self, arg: Any) -> None:
        kwargs = self._pop()
        args = self._pop()
        cls = self._pop()
        self._stack.append(self._call(cls, _as_tuple(args), _as_kwargs(kwargs)))

    def _op_inst(self, arg: Any) -> None:
        module, attr = arg
        items = self._pop_mark()
        self._stack.append(self._call(self._ref(f"{module}.{attr}"), tuple(items), None))

    def _op_obj(self, arg: Any) -> None:
        items = self._pop_mark()
        if not items:
            raise Malformed(f"OBJ without a class at offset {self._offset}")
        self._stack.append(self._call(items[0], tuple(items[1:]), None))

    def _op_build(self, arg: Any) -> None:
        state = self._pop()
        self._build(self._top(), state)

    def _op_persid(self, arg: Any) -> None:
        self._stack.append(PersId(arg))

    def _op_binpersid(self, arg: Any) -> None:
        self._stack.append(PersId(self._pop()))

    def _op_ext(self, arg: Any) -> None:
        text = f"copyreg extension code {arg}"
        self._emit("unresolved", "<extension>", text)
        self._stack.append(Opaque(text))

    def _op_next_buffer(self, arg: Any) -> None:
        self._stack.append(Opaque("out-of-band buffer"))

    # -- containers ---------------------------------------------------------------------------

    def _append(self, target: Any, items: list[Any]) -> None:
        """APPEND(S) into a list; into an object it calls the object's class (reported with the
        class itself); into a module or class it is a write into global state."""
        if isinstance(target, list):
            target.extend(items[: max(0, 4096 - len(target))])
        elif isinstance(target, Ref):
            self._emit("global_write", f"{target.path}.extend", f"{target.path}.extend({render(items)})")

    def _setitems(self, target: Any, pairs: list[tuple[Any, Any]]) -> None:
        if isinstance(target, PDict):
            target.items.extend(pairs[: max(0, 4096 - len(target.items))])
        elif isinstance(target, Ref) and pairs:
            text = f"{target.path}[{render(pairs[0][0])}] = {render(pairs[0][1])}"
            self._emit("global_write", f"{target.path}.__setitem__", text)

    def _build(self, target: Any, state: Any) -> None:
        if isinstance(target, Ref):
            text = f"{target.path}.__dict__.update({render(state)})"
            self._emit("global_write", f"{target.path}.__setstate__", text)
        elif isinstance(target, Obj):
            target.state = state
            if normalize(path_of(target) or "") == _JOBLIB_WRAPPER:
                self._joblib_array(state)

    # -- names and calls ----------------------------------------------------------------------

    def _ref(self, path: str) -> Ref:
        ref = Ref(normalize(path))
        self._emit("ref", ref.path, ref.path)
        return ref

    def _call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
        if isinstance(func, Getter):
            return self._call_getter(func, args, kwargs)
        path = path_of(func)
        given = args  # as the pickle wrote them: what the event text shows
        if isinstance(func, Attr) and isinstance(func.base, str | bytes):
            args = (func.base, *args)
        if path is None:
            self._emit("unresolved", "<unresolved>", render(Obj(func, given, kwargs)))
            return Obj(func, args, kwargs)
        name = normalize(path)
        kind = resolver_kind(path)
        if kind is not None:
            resolved = self._resolve(kind, path, args, kwargs)
            if resolved is not None:
                self._emit("resolved", name, "")
                return resolved
        if is_string_builder(path):
            built = _build_string(name, args)
            if built is not None:
                return built
        nested = is_nested_loader(path)
        # The text is rendered now (the arguments may change later) but only when it can be
        # reported: a call to a safe callable (most calls of a model's pickle) never is.
        text = render(Obj(func, given, kwargs)) if nested or classify(name).kind != SAFE else ""
        self._emit("call", name, text)
        if nested:
            payload = _payload(args)
            if payload is not None:
                self._emit("nested", name, text, payload)
        return Obj(func, args, kwargs)

    def _call_getter(self, getter: Getter, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
        if getter.kind == "partial":
            merged = {**(getter.kwargs or {}), **(kwargs or {})} or None
            return self._call(getter.target, (*getter.args, *args), merged)
        if not args:
            return Opaque(render(getter))
        if getter.kind == "attrgetter" and isinstance(getter.target, str):
            return self._attribute(args[0], getter.target)
        if getter.kind == "itemgetter":
            return self._item(args[0], getter.target)
        if getter.kind == "methodcaller" and isinstance(getter.target, str):
            return self._call(self._attribute(args[0], getter.target), getter.args, getter.kwargs)
        self._emit("unresolved", "<unresolved>", render(getter))
        return Opaque(render(getter))

    def _resolve(
        self, kind: str, path: str, args: tuple[Any, ...], kwargs: dict[str, Any] | None
    ) -> Any | None:
        """The value an indirection returns, or None when its arguments are not literal."""
        first = args[0] if args else None
        second = args[1] if len(args) > 1 else None
        if kind == "getattr" and isinstance(second, str):
            return self._attribute(first, second)
        if kind == "getitem" and len(args) >= 2:
            return self._item(first, second)
        if kind == "import" and isinstance(first, str):
            return self._ref(first)
        if kind == "vars" and isinstance(first, Ref):
            return first
        if kind == "globals" and not args:
            return self._ref("builtins")
        if kind in ("attrgetter", "itemgetter", "methodcaller") and args:
            if kind != "itemgetter" and not isinstance(first, str):
                return None
            return Getter(kind, first, args[1:], kwargs)
        if kind == "partial" and args:
            return Getter("partial", first, args[1:], kwargs)
        return None

    def _attribute(self, base: Any, name: str) -> Any:
        result: Any = None
        for part in name.split("."):
            base_ref = base if isinstance(base, Ref) else None
            result = self._ref(f"{base_ref.path}.{part}") if base_ref is not None else Attr(base, part)
            base = result
        return result

    def _item(self, base: Any, key: Any) -> Any:
        if isinstance(base, Ref) and isinstance(key, str):
            return self._ref(f"{base.path}.{key}")
        if isinstance(base, PDict):
            found = base.get(key)
            if found is not None:
                return found
        if isinstance(base, list | tuple) and isinstance(key, int) and -len(base) <= key < len(base):
            return base[key]
        return Opaque(f"{render(base)}[{render(key)}]")

    # -- joblib -------------------------------------------------------------------------------

    def _joblib_array(self, state: Any) -> None:
        """joblib writes array bytes (or, for object arrays, a whole pickle) right after the
        wrapper's BUILD: skip the bytes or scan the inline pickle."""
        if not isinstance(state, PDict):
            raise Malformed("joblib array wrapper without a state dict")
        dtype = state.get("dtype")
        shape = state.get("shape")
        if _dtype_has_object(dtype):
            inner = Machine(self.reader, self.budget)
            self.inline_pickles.append(inner)
            inner.run()
            return
        itemsize = _dtype_itemsize(dtype)
        if itemsize is None or not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
            raise Malformed("joblib array wrapper with an unreadable dtype or shape")
        count = 1
        for n in shape:
            count *= n
        if state.get("numpy_array_alignment_bytes") is not None:
            padding = self.reader.read(1)[0]
            self.reader.skip(padding)
        self.reader.skip(count * itemsize)


_VALUE_OPS = (
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
    "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
)  # fmt: skip

_DISPATCH: dict[str, Callable[[Machine, Any], None]] = {
    **dict.fromkeys(_VALUE_OPS, Machine._op_value),
    "NONE": Machine._op_none,
    "NEWTRUE": Machine._op_true,
    "NEWFALSE": Machine._op_false,
    "EMPTY_TUPLE": Machine._op_empty_tuple,
    "MARK": Machine._op_mark,
    "POP": Machine._op_pop,
    "POP_MARK": Machine._op_pop_mark,
    "DUP": Machine._op_dup,
    "PROTO": Machine._op_proto,
    "FRAME": Machine._op_nothing,
    "PUT": Machine._op_put,
    "BINPUT": Machine._op_put,
    "LONG_BINPUT": Machine._op_put,
    "MEMOIZE": Machine._op_memoize,
    "GET": Machine._op_get,
    "BINGET": Machine._op_get,
    "LONG_BINGET": Machine._op_get,
    "EMPTY_LIST": Machine._op_empty_list,
    "EMPTY_DICT": Machine._op_empty_dict,
    "EMPTY_SET": Machine._op_empty_set,
    "LIST": Machine._op_list,
    "TUPLE": Machine._op_tuple,
    "TUPLE1": Machine._op_tuple1,
    "TUPLE2": Machine._op_tuple2,
    "TUPLE3": Machine._op_tuple3,
    "DICT": Machine._op_dict,
    "FROZENSET": Machine._op_frozenset,
    "APPEND": Machine._op_append,
    "APPENDS": Machine._op_appends,
    "ADDITEMS": Machine._op_additems,
    "SETITEM": Machine._op_setitem,
    "SETITEMS": Machine._op_setitems,
    "GLOBAL": Machine._op_global,
    "STACK_GLOBAL": Machine._op_stack_global,
    "REDUCE": Machine._op_reduce,
    "NEWOBJ": Machine._op_reduce,
    "NEWOBJ_EX": Machine._op_newobj_ex,
    "INST": Machine._op_inst,
    "OBJ": Machine._op_obj,
    "BUILD": Machine._op_build,
    "PERSID": Machine._op_persid,
    "BINPERSID": Machine._op_binpersid,
    "EXT1": Machine._op_ext,
    "EXT2": Machine._op_ext,
    "EXT4": Machine._op_ext,
    "NEXT_BUFFER": Machine._op_next_buffer,
    "READONLY_BUFFER": Machine._op_nothing,
}
"""What each opcode (but STOP, which ends :meth:`Machine.run`) does to the machine."""

_STEPS: dict[bytes, tuple[Callable[[OpReader], object] | None, Callable[[Machine, Any], None] | None]] = {
    code: (decode, None if name == "STOP" else _DISPATCH[name]) for code, (name, decode) in OPCODES.items()
}
"""Each opcode byte: the decoder of its argument and what it does (None: STOP)."""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    return (value,)


def _as_kwargs(value: Any) -> dict[str, Any] | None:
    if isinstance(value, PDict):
        return {str(k): v for k, v in value.items}
    return None


def _payload(args: tuple[Any, ...]) -> bytes | Skipped | None:
    """The bytes given to a loader, directly or wrapped in ``io.BytesIO``."""
    if not args:
        return None
    first = args[0]
    if (
        isinstance(first, Obj)
        and normalize(path_of(first) or "") in ("io.BytesIO", "_io.BytesIO")
        and first.args
    ):
        first = first.args[0]
    if isinstance(first, bytes | bytearray):
        return bytes(first)
    if isinstance(first, Skipped):
        return first
    return None


def _build_string(path: str, args: tuple[Any, ...]) -> str | bytes | None:
    """Evaluate a pure string function on literal arguments (``'o' + 's'``, base64, rot13)."""
    if not all(isinstance(a, str | bytes | list | tuple) for a in args):
        return None
    try:
        name = path.rsplit(".", 1)[-1]
        if name in ("add", "concat", "__add__") and len(args) == 2:
            result = operator.add(args[0], args[1])
            return result if isinstance(result, str | bytes) else None
        if name == "join" and len(args) == 2 and isinstance(args[0], str):
            if isinstance(args[1], list | tuple) and all(isinstance(p, str) for p in args[1]):
                return args[0].join(args[1])
            return None
        if name == "decode" and isinstance(args[0], bytes):
            return args[0].decode(*[a for a in args[1:2] if isinstance(a, str)])
        if name == "encode" and isinstance(args[0], str):
            return args[0].encode(*[a for a in args[1:2] if isinstance(a, str)])
        if name == "fromhex" and isinstance(args[-1], str):
            return bytes.fromhex(args[-1])
        if name in ("b64decode", "urlsafe_b64decode", "a2b_base64") and isinstance(args[0], str | bytes):
            return base64.urlsafe_b64decode(args[0]) if name.startswith("url") else base64.b64decode(args[0])
        if name in ("b32decode", "b16decode") and isinstance(args[0], str | bytes):
            return getattr(base64, name)(args[0])  # type: ignore[no-any-return]
        if name == "unhexlify" and isinstance(args[0], str | bytes):
            return binascii.unhexlify(args[0])
        if name == "decode" and isinstance(args[0], str) and len(args) > 1 and isinstance(args[1], str):
            decoded: Any = codecs.decode(args[0], args[1])  # type: ignore[call-overload]
            return decoded if isinstance(decoded, str | bytes) else None
        if name == "format" and isinstance(args[0], str) and all(isinstance(a, str) for a in args[1:]):
            return args[0].format(*args[1:]) if len(args[0]) < 10_000 else None
    except (ValueError, TypeError, LookupError, binascii.Error, IndexError, KeyError):
        return None
    return None


def _dtype_has_object(dtype: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(dtype, Obj):
        first = dtype.args[0] if dtype.args else None
        if isinstance(first, str) and first.lstrip("|<>=").startswith("O"):
            return True
        return _dtype_has_object(dtype.state, depth + 1)
    if isinstance(dtype, tuple | list):
        return any(_dtype_has_object(v, depth + 1) for v in dtype)
    if isinstance(dtype, PDict):
        return any(_dtype_has_object(v, depth + 1) for _, v in dtype.items)
    return False


def _dtype_itemsize(dtype: Any) -> int | None:
    """Item size of a pickled ``numpy.dtype``: the state's elsize, else the digits of its code."""
    if not isinstance(dtype, Obj) or not dtype.args or not isinstance(dtype.args[0], str):
        return None
    state = dtype.state
    if isinstance(state, tuple) and len(state) >= 6 and isinstance(state[5], int) and state[5] > 0:
        return state[5]
    code = dtype.args[0].lstrip("|<>=")
    digits = "".join(c for c in code if c.isdigit())
    if digits:
        return int(digits) * (4 if code.startswith("U") else 1)
    return {"b": 1, "?": 1, "B": 1}.get(code[:1])
