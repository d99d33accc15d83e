"""Walking structures: to any depth, and refusing two structures that do not match.

A structure is walked leaf by leaf, and rebuilt bottom up. The walks that every training
step runs (mapping over the parameters) recurse, which is fastest for the shallow
structures parameters have; from ``DEEP`` levels down they hand over to ``rebuild``, which
keeps its own stack, so a structure nested as deep as Python's data can hold works
without meeting Python's recursion limit.

Two structures walked together (``map_structure(fn, x, y)``, a cotangent against its
primal) must have the same containers in the same places: a leaf against a container
is an error, never a broadcast, and the error names the path where they part:

    >>> map_structure(lambda a, b: a + b, (1.0, [2.0]), (1.0, 2.0))
    Traceback (most recent call last):
    ...
    ValueError: structures differ at [1]: a list of 1 against a leaf (float)
    >>> import sys
    >>> deep = 1.0
    >>> for _ in range(sys.getrecursionlimit() + 10):
    ...     deep = [deep]
    >>> leaves(map_structure(lambda a: 2 * a, deep))
    [2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from paralens._core._fields import field_names, static_names
from paralens._core._registry import (
    LEAF_TYPES,
    TRACED_TYPES,
    ZERO,
    LeafSpace,
    NodeDef,
    lookup,
    space_or_node,
    unregistered,
)

# From this depth the recursive walks hand over to the iterative one.
DEEP = 32
# What a ``stop`` function of ``rebuild`` returns to walk into the position it was shown.
KEEP = object()

Leaf = Callable[[LeafSpace, Any, tuple[Any, ...]], Any]
Stop = Callable[[Any, tuple[Any, ...]], Any]
Build = Callable[[NodeDef, Hashable, list[Any], Any], Any]


def child_keys(x: Any) -> list[str]:
    """How each child of the container ``x`` is reached from it, as Python spells it.

    ``.name`` for a dataclass or NamedTuple field, ``['key']`` for a dict entry, ``[i]``
    for anything else; an empty list for a leaf. This is the one place paths are named:
    error messages, checkpoints and pictures all use it.

    Examples:
        >>> from typing import NamedTuple
        >>> class Pair(NamedTuple):
        ...     w: float
        ...     b: float
        >>> child_keys({"w": 1.0, 2: 3.0}), child_keys(Pair(1.0, 2.0)), child_keys((1.0,))
        (["['w']", '[2]'], ['.w', '.b'], ['[0]'])
        >>> child_keys(1.0)
        []
    """
    found = lookup(type(x))
    if not isinstance(found, NodeDef):
        return []
    children, _ = found.flatten(x)
    if isinstance(x, dict):
        keys = [f"[{k!r}]" for k in x]
    else:
        keys = [f".{name}" for name in field_names(x)]
    if len(keys) != len(children):
        keys = [f"[{i}]" for i in range(len(children))]
    return keys


def describe(x: Any) -> str:
    """``x`` as an error message names it: its container and size, or its leaf type.

    Examples:
        >>> describe({"w": 1.0}), describe((1.0, 2.0)), describe(3.0)
        ("a dict with keys ['w']", 'a tuple of 2', 'a leaf (float)')
    """
    cls = type(x)
    if isinstance(x, dict):
        return f"a dict with keys {list(x)}"
    if cls is tuple or cls is list:
        return f"a {cls.__name__} of {len(x)}"
    found = lookup(cls)
    if isinstance(found, NodeDef):
        static = ", ".join(f"{s}={getattr(x, s)!r}" for s in static_names(x))
        return f"a {cls.__name__}" + (f" with {static}" if static else "")
    if isinstance(found, LeafSpace):
        shape = getattr(x, "shape", None)
        return f"a leaf ({cls.__name__}" + (f" of shape {shape}" if shape else "") + ")"
    return f"a {cls.__name__}"


def mismatch_error(x: Any, others: tuple[Any, ...]) -> ValueError:
    """The error for structures that differ: the first path where ``x`` and another part."""
    for other in others:
        found = _first_difference(x, other)
        if found is not None:
            path, a, b = found
            where = f"at {path}" if path else "at the root"
            return ValueError(f"structures differ {where}: {describe(a)} against {describe(b)}")
    return ValueError("structures differ")


def _first_difference(x: Any, y: Any) -> tuple[str, Any, Any] | None:
    stack = [("", x, y)]
    while stack:
        path, a, b = stack.pop()
        found = lookup(type(a))
        a_node = isinstance(found, NodeDef)
        if not a_node and not isinstance(lookup(type(b)), NodeDef):
            continue
        if not a_node or type(a) is not type(b):
            return path, a, b
        assert isinstance(found, NodeDef)
        a_children, a_aux = found.flatten(a)
        b_children, b_aux = found.flatten(b)
        if a_aux != b_aux or len(a_children) != len(b_children):
            return path, a, b
        pairs = list(zip(child_keys(a), a_children, b_children, strict=True))
        stack.extend((path + key, c, d) for key, c, d in reversed(pairs))
    return None


def _raise_mismatch(x: Any, others: tuple[Any, ...]) -> None:
    raise mismatch_error(x, others)


def rebuild(
    x: Any,
    leaf: Leaf,
    others: tuple[Any, ...] = (),
    *,
    stop: Stop | None = None,
    build: Build | None = None,
    strict: bool = True,
    view: Callable[[Any], Any] | None = None,
    mismatch: Callable[[Any, tuple[Any, ...]], None] = _raise_mismatch,
) -> Any:
    """Walk ``x`` (and ``others`` beside it) with a stack of its own; rebuild bottom up.

    Args:
        x: the structure that leads the walk.
        leaf: ``leaf(space, value, others_there)``, the result at a leaf of ``x``.
        others: structures walked beside ``x``, position by position.
        stop: ``stop(value, others_there)`` is the result at that position, unless it
            returns ``KEEP`` (walk into it).
        build: ``build(node, aux, results, value)``, the result at a container (default:
            the container rebuilt from its children's results).
        strict: the others must have ``x``'s containers (types, keys, fields) exactly;
            otherwise they are only flattened as ``x``'s containers are.
        view: what the lookup sees of a value of ``x`` (a traced value's plain value).
        mismatch: called with ``(x, others)`` where the structures differ; it raises.

    Examples:
        >>> rebuild({"a": (1.0, 2.0)}, lambda space, v, os: v + os[0], ({"a": (3.0, 4.0)},))
        {'a': (4.0, 6.0)}
    """
    stack: list[tuple[Any, Any, list[Any], list[list[Any]], list[Any], Any]] = [
        (None, None, [x], [[o] for o in others], [], None)
    ]
    while True:
        node, aux, children, other_children, out, value = stack[-1]
        i = len(out)
        if i == len(children):
            stack.pop()
            if not stack:
                return out[0]
            result = node.unflatten(aux, out) if build is None else build(node, aux, out, value)
            stack[-1][4].append(result)
            continue
        v = children[i]
        there = tuple([oc[i] for oc in other_children])
        if stop is not None:
            stopped = stop(v, there)
            if stopped is not KEEP:
                out.append(stopped)
                continue
        d = v if view is None else view(v)
        found = lookup(type(d))
        if found is None:
            raise unregistered(d)
        if isinstance(found, LeafSpace):
            if strict and any(isinstance(lookup(type(o)), NodeDef) for o in there):
                mismatch(x, others)
            out.append(leaf(found, v, there))
            continue
        grandchildren, child_aux = found.flatten(d)
        columns = []
        for o in there:
            if strict and type(o) is not type(d):
                mismatch(x, others)
            o_children, o_aux = found.flatten(o)
            if len(o_children) != len(grandchildren) or (strict and o_aux != child_aux):
                mismatch(x, others)
            columns.append(o_children)
        stack.append((found, child_aux, grandchildren, columns, [], v))


class _Mismatch(Exception):
    """Raised inside ``map_structure``'s walk; its caller names the path."""


def _signal_mismatch(x: Any, others: tuple[Any, ...]) -> None:
    raise _Mismatch


def map_structure(fn: Callable[..., Any], x: Any, *rest: Any) -> Any:
    """Apply ``fn`` to corresponding leaves of ``x`` and ``rest``, keeping the structure.

    Raises:
        ValueError: the structures of ``x`` and ``rest`` differ (the message names where).
    """
    try:
        return _map(fn, x, rest, 0)
    except _Mismatch:
        raise mismatch_error(x, rest) from None


def _all_leaves(values: tuple[Any, ...]) -> bool:
    return all(
        type(v) in LEAF_TYPES or isinstance(lookup(type(v)), LeafSpace) or v is ZERO for v in values
    )


def _map(fn: Callable[..., Any], x: Any, rest: tuple[Any, ...], depth: int) -> Any:
    cls = type(x)
    if cls in LEAF_TYPES:
        if rest and not _all_leaves(rest):
            raise _Mismatch
        return fn(x, *rest)
    if depth >= DEEP:
        return rebuild(x, lambda space, v, there: fn(v, *there), rest, mismatch=_signal_mismatch)
    deeper = depth + 1
    if cls is tuple or cls is list:
        # Lists and tuples of leaves (parameters, typically) are mapped without a call
        # per leaf: this runs once per training step on every parameter.
        leaf_types = LEAF_TYPES
        if not rest:
            mapped = [fn(c) if type(c) in leaf_types else _map(fn, c, (), deeper) for c in x]
        elif len(rest) == 1 and type(rest[0]) is cls and len(rest[0]) == len(x):
            mapped = [
                fn(c, o)
                if type(c) in leaf_types and type(o) in leaf_types
                else _map(fn, c, (o,), deeper)
                for c, o in zip(x, rest[0], strict=True)
            ]
        else:
            if any(type(r) is not cls or len(r) != len(x) for r in rest):
                raise _Mismatch
            mapped = [_map(fn, c, tuple([r[i] for r in rest]), deeper) for i, c in enumerate(x)]
        return mapped if cls is list else tuple(mapped)
    found = space_or_node(x)
    if isinstance(found, LeafSpace):
        if rest and not _all_leaves(rest):
            raise _Mismatch
        return fn(x, *rest)
    children, aux = found.flatten(x)
    others = []
    for r in rest:
        if type(r) is not cls:
            raise _Mismatch
        o, o_aux = found.flatten(r)
        # aux holds dict keys, field names and static values: {"a": .} and {"b": .} differ.
        if len(o) != len(children) or o_aux != aux:
            raise _Mismatch
        others.append(o)
    mapped = [_map(fn, c, tuple([o[i] for o in others]), deeper) for i, c in enumerate(children)]
    return found.unflatten(aux, mapped)


def leaves(x: Any) -> list[Any]:
    """The leaves of ``x``, left to right.

    Examples:
        >>> leaves({"w": [1.0, 2.0], "b": (3.0, None)})
        [1.0, 2.0, 3.0]
    """
    out: list[Any] = []
    stack = [x]
    leaf_types = LEAF_TYPES
    while stack:
        v = stack.pop()
        if type(v) in leaf_types:
            out.append(v)
            continue
        found = space_or_node(v)
        if isinstance(found, LeafSpace):
            out.append(v)
        else:
            stack.extend(reversed(found.flatten(v)[0]))
    return out


def zeros_like(x: Any) -> Any:
    """The zero of ``x``'s vector space, with ``x``'s structure."""
    found = space_or_node(x)
    if isinstance(found, LeafSpace):
        return found.zeros(x)
    return rebuild(x, lambda space, v, there: space.zeros(v))


def _add_stop(x: Any, there: tuple[Any, ...]) -> Any:
    if x is ZERO:
        return there[0]
    if there[0] is ZERO:
        return x
    return KEEP


def add(x: Any, y: Any) -> Any:
    """``x + y`` in the vector space of their (shared) structure; ``ZERO`` is neutral.

    Raises:
        ValueError: the structures of ``x`` and ``y`` differ (the message names where).
    """
    if x is ZERO:
        return y
    if y is ZERO:
        return x
    found = space_or_node(x)
    if isinstance(found, LeafSpace):
        return found.add(x, y)
    return rebuild(x, lambda space, v, there: space.add(v, there[0]), (y,), stop=_add_stop)


def _plain(x: Any) -> Any:
    while type(x) in TRACED_TYPES:
        x = x._value
    return x


def _instantiate_stop(primal: Any, there: tuple[Any, ...]) -> Any:
    ct = there[0]
    if ct is ZERO:
        return zeros_like(primal)
    if type(ct) in TRACED_TYPES:
        return ct
    return KEEP


def instantiate(ct: Any, primal: Any) -> Any:
    """Replace every ``ZERO`` in ``ct`` by zeros shaped like the matching part of ``primal``.

    Under nested transforms the primal may be a traced container (a Var of a tuple); its
    structure is that of its value.
    """
    if ct is ZERO:
        return zeros_like(primal)
    if type(ct) in TRACED_TYPES or not isinstance(lookup(type(_plain(primal))), NodeDef):
        return ct
    return rebuild(
        primal,
        lambda space, v, there: there[0],
        (ct,),
        stop=_instantiate_stop,
        strict=False,
        view=_plain,
    )


def _coerce_stop(primal: Any, there: tuple[Any, ...]) -> Any:
    if type(there[0]) in TRACED_TYPES or lookup(type(primal)) is None:
        return there[0]
    return KEEP


def coerce(ct: Any, primal: Any) -> Any:
    """Give ``ct`` the exact leaf types of ``primal`` (a float's gradient is a float)."""
    if type(ct) in TRACED_TYPES:
        return ct
    found = lookup(type(primal))
    if isinstance(found, LeafSpace):
        return found.coerce(primal, ct)
    if found is None:
        return ct
    return rebuild(
        primal,
        lambda space, v, there: space.coerce(v, there[0]),
        (ct,),
        stop=_coerce_stop,
        strict=False,
    )
