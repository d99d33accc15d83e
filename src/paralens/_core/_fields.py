"""Dataclasses and NamedTuples: containers without registration, their fields the children.

A dataclass flattens to its fields in declaration order, and rebuilds without calling its
``__init__`` (a cotangent need not satisfy the invariants the class checks on its primal
values: a positive scale, say). A field marked static (``paralens.tree.static_field``)
is not a child but structure: its value travels in the aux data, so two values that
differ in it have different structures, and a gradient keeps the primal's value there.

Examples:
    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Scaled:
    ...     w: float
    ...     name: str = dataclasses.field(default="s", metadata={STATIC: True})
    >>> flatten, unflatten = fields_node(Scaled)
    >>> flatten(Scaled(2.0))
    ([2.0], WithStatic(names=('w',), static=(('name', 's'),)))
    >>> unflatten(flatten(Scaled(2.0, "t"))[1], [5.0])
    Scaled(w=5.0, name='t')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

# The metadata key that marks a dataclass field as static.
STATIC = "paralens.static"

Flatten = Callable[[Any], tuple[list[Any], Hashable]]
Unflatten = Callable[[Hashable, list[Any]], Any]


class WithStatic(NamedTuple):
    """The aux data of a dataclass with static fields: its children's names and the
    static fields' values, which are structure (they take part in equality)."""

    names: tuple[str, ...]
    static: tuple[tuple[str, Any], ...]


_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _split_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the children and of the static fields of a dataclass ``cls``."""
    try:
        return _FIELDS[cls]
    except KeyError:
        fields = dataclasses.fields(cls)
        names = tuple(f.name for f in fields if not f.metadata.get(STATIC))
        static = tuple(f.name for f in fields if f.metadata.get(STATIC))
        _FIELDS[cls] = (names, static)
        return names, static


def field_names(x: Any) -> tuple[str, ...]:
    """The names of the differentiable fields of a dataclass or NamedTuple, else ``()``."""
    cls = type(x)
    if dataclasses.is_dataclass(cls):
        return _split_fields(cls)[0]
    names = getattr(cls, "_fields", None)
    return tuple(names) if isinstance(names, tuple) else ()


def static_names(x: Any) -> tuple[str, ...]:
    """The names of the static fields of a dataclass, else ``()``."""
    return _split_fields(type(x))[1] if dataclasses.is_dataclass(type(x)) else ()


def fields_node(cls: type) -> tuple[Flatten, Unflatten] | None:
    """How a dataclass or NamedTuple class flattens and rebuilds; ``None`` for others."""
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return (lambda x: (list(x), None)), (lambda aux, children: cls(*children))
    if not dataclasses.is_dataclass(cls):
        return None
    names, static = _split_fields(cls)

    def flatten(x: Any) -> tuple[list[Any], Hashable]:
        children = [getattr(x, n) for n in names]
        if not static:
            return children, names
        return children, WithStatic(names, tuple((s, getattr(x, s)) for s in static))

    def unflatten(aux: Any, children: list[Any]) -> Any:
        obj: Any = object.__new__(cls)
        for n, c in zip(names, children, strict=True):
            object.__setattr__(obj, n, c)
        for s, value in aux.static if type(aux) is WithStatic else ():
            object.__setattr__(obj, s, value)
        return obj

    return flatten, unflatten
