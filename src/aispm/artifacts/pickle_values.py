"""Symbolic values of the pickle machine and their rendering as Python-like text."""

from __future__ import annotations

from typing import Any

from aispm.artifacts.pickle_ops import FrozenValue, Skipped, Value

RENDER_MAX = 200


class Ref(FrozenValue):
    """A module, class, function or attribute reached by name (``os.system``)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class Obj(Value):
    """The result of calling ``func`` (a ``Ref`` or another value) with ``args``; ``state`` is
    set by BUILD."""

    __slots__ = ("args", "func", "kwargs", "state")

    def __init__(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.state: Any = None


class Attr(Value):
    """An attribute of a value that is not a name (``'abc'.join``, ``Path('/x').write_text``)."""

    __slots__ = ("base", "name")

    def __init__(self, base: Any, name: str) -> None:
        self.base = base
        self.name = name


class Getter(Value):
    """``operator.attrgetter`` / ``itemgetter`` / ``methodcaller`` / ``functools.partial``."""

    __slots__ = ("args", "kind", "kwargs", "target")

    def __init__(
        self, kind: str, target: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> None:
        self.kind = kind
        self.target = target
        self.args = args
        self.kwargs = kwargs


class PersId(FrozenValue):
    """A persistent id (PyTorch storages): resolved by the loader, never code by itself."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Opaque(FrozenValue):
    """A value the machine cannot know (an extension code, an out-of-band buffer ...)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class PDict(Value):
    """A dict as an ordered list of pairs (keys need not be hashable here)."""

    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Any, Any]] | None = None) -> None:
        self.items = items if items is not None else []

    def get(self, key: Any) -> Any:
        for k, v in reversed(self.items):
            if type(k) is type(key) and k == key:
                return v
        return None


class PSet(Value):
    """A set or frozenset as a list of its items."""

    __slots__ = ("frozen", "items")

    def __init__(self, items: list[Any] | None = None, frozen: bool = False) -> None:
        self.items = items if items is not None else []
        self.frozen = frozen


class _Mark:
    def __repr__(self) -> str:
        return "MARK"


MARK = _Mark()


def path_of(value: Any) -> str | None:
    """The dotted name a value calls or stands for, when it has one."""
    if isinstance(value, Ref):
        return value.path
    if isinstance(value, Obj):
        return path_of(value.func)
    if isinstance(value, Attr):
        if isinstance(value.base, str | bytes):
            return f"builtins.{type(value.base).__name__}.{value.name}"
        base = path_of(value.base)
        return f"{base}.{value.name}" if base else None
    return None


def render(value: Any, limit: int = RENDER_MAX) -> str:
    """Python-like text of ``value`` (``os.system('id')``), cut to about ``limit`` characters."""
    text = _render(value, 0)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _seq(items: Any, depth: int) -> str:
    parts = []
    for count, item in enumerate(items):
        if count >= 16:
            parts.append("...")
            break
        parts.append(_render(item, depth + 1))
    return ", ".join(parts)


def _render(value: Any, depth: int) -> str:
    if depth > 6:
        return "..."
    if isinstance(value, Ref):
        return value.path
    if isinstance(value, Obj):
        args = _seq(value.args, depth)
        if value.kwargs:
            kw = ", ".join(f"{k}={_render(v, depth + 1)}" for k, v in list(value.kwargs.items())[:16])
            args = f"{args}, {kw}" if args else kw
        return f"{_render(value.func, depth + 1)}({args})"
    if isinstance(value, Attr):
        return f"{_render(value.base, depth + 1)}.{value.name}"
    if isinstance(value, Getter):
        return f"{value.kind}({_seq((value.target, *value.args), depth)})"
    if isinstance(value, PersId):
        return f"<persistent {_render(value.value, depth + 1)}>"
    if isinstance(value, Opaque):
        return f"<{value.what}>"
    if isinstance(value, Skipped):
        return f"<{value.length:,} bytes>"
    if isinstance(value, PDict):
        pairs = [f"{_render(k, depth + 1)}: {_render(v, depth + 1)}" for k, v in value.items[:16]]
        return "{" + ", ".join(pairs) + (", ..." if len(value.items) > 16 else "") + "}"
    if isinstance(value, PSet):
        return ("frozenset" if value.frozen else "set") + "([" + _seq(value.items, depth) + "])"
    if isinstance(value, list):
        return "[" + _seq(value, depth) + "]"
    if isinstance(value, tuple):
        return "(" + _seq(value, depth) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str | bytes | bytearray):
        return repr(value[:RENDER_MAX] if len(value) > RENDER_MAX else value)
    if value is MARK:
        return "MARK"
    return repr(value)
