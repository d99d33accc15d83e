"""Optics: lenses into product types, traced containers, and sum types.

A *lens* focuses on one part of a structured value: a field of a dataclass or NamedTuple
(by name), an element of a tuple or list (by index), an entry of a dict (by key), or a path
of these (``lens("layers", 0, "w")``). With a lens you can ``view`` the part, ``set`` it
(building a new value: nothing is changed in place) and ``over`` it (apply a function to
it). All three work alike on plain values, on structures that hold traced values, and on
a ``Var`` whose value is the whole structure, where they are differentiable: the gradient
of a view is the cotangent at the focused place and zero elsewhere; the gradient of a set
splits the cotangent between the new part and the rest, which gets zero at the replaced
place.

``sequence`` turns a container of traced values into one traced container, and
``unsequence`` goes back. ``match`` branches on which class a value holds (a sum type),
and only the active branch runs or receives gradient.

The lens laws hold for every lens ``l``:

    >>> p = {"w": 1.0, "b": 2.0}
    >>> l = lens("w")
    >>> view(set(p, l, 5.0), l)  # you get back what you set
    5.0
    >>> set(p, l, view(p, l)) == p  # setting what is there changes nothing
    True
    >>> set(set(p, l, 5.0), l, 6.0) == set(p, l, 6.0)  # setting twice is setting once
    True

Examples:
    >>> import paralens
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Layer:
    ...     w: float
    ...     b: float
    >>> params = {"layers": [Layer(2.0, 1.0)]}
    >>> view(params, lens("layers", 0, "w"))
    2.0
    >>> paralens.grad(lambda p: view(p, lens("layers", 0, "w")) ** 2)(params)
    {'layers': [Layer(w=4.0, b=0.0)]}
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from paralens._core import (
    ZERO,
    Var,
    _vspace,
    defjvp,
    defvjp,
    getattr_node,
    getitem_node,
    pack_structure,
    plain_value,
    primitive,
)
from paralens._core._fields import field_names, static_names
from paralens._core._vspace import replace_child

__all__ = ["Lens", "lens", "match", "over", "sequence", "set", "unsequence", "view"]

T = TypeVar("T")
R = TypeVar("R")

Step = Hashable


class Lens:
    """A path into a structured value: field names, indices and dict keys, outermost first.

    Build one with ``lens(...)``. A lens is an immutable value; ``path`` is its steps.
    ``a / b`` is the lens that focuses with ``a`` and then, inside that, with ``b``.

    Examples:
        >>> lens("layers", 0) / lens("w")
        lens('layers', 0, 'w')
        >>> lens("layers", 0, "w").path
        ('layers', 0, 'w')
    """

    __slots__ = ("_path",)
    _path: tuple[Step, ...]

    def __init__(self, path: tuple[Step, ...]) -> None:
        object.__setattr__(self, "_path", path)

    @property
    def path(self) -> tuple[Step, ...]:
        """The steps of this lens, outermost first."""
        return self._path

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Lens is immutable; build a new one with lens(...)")

    def __truediv__(self, other: Lens) -> Lens:
        return Lens(self.path + other.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lens) and other.path == self.path

    def __hash__(self) -> int:
        return hash(("Lens", self.path))

    def __repr__(self) -> str:
        return f"lens({', '.join(repr(s) for s in self.path)})"


def lens(*steps: Step | Lens) -> Lens:
    """The lens that follows ``steps``: field names, indices, dict keys, or other lenses.

    A string step is a field name on a dataclass or NamedTuple and a key on a dict; an
    integer step is an index on a tuple, list or NamedTuple and a key on a dict.

    Args:
        *steps: the path, outermost first. A ``Lens`` among them is spliced in.

    Returns:
        The lens.

    Raises:
        TypeError: a step is not hashable (a slice or a list, say).

    Examples:
        >>> lens("layers", 0, "w")
        lens('layers', 0, 'w')
        >>> lens(lens("a"), "b")
        lens('a', 'b')
    """
    path: list[Step] = []
    for s in steps:
        if isinstance(s, Lens):
            path.extend(s.path)
        elif not isinstance(s, Hashable) or isinstance(s, slice):
            raise TypeError(
                f"a lens step must be a field name, an index or a dict key, not "
                f"{type(s).__name__} {s!r}; to take a slice, index the value directly"
            )
        else:
            path.append(s)
    return Lens(tuple(path))


def _as_lens(where: Lens | Step) -> Lens:
    return where if isinstance(where, Lens) else lens(where)


def _position(value: Any, step: Step) -> int:
    """Where ``step`` is among the flattened children of the container ``value``."""
    name = type(value).__name__
    if isinstance(value, dict):
        keys = list(value)
        if step not in value:
            raise KeyError(f"a {name} has no key {step!r}; its keys are: {keys}")
        return keys.index(step)
    fields = field_names(value)
    if isinstance(step, str) and step in static_names(value):
        raise TypeError(
            f"field {step!r} of a {name} is static (paralens.tree.static_field): it is "
            f"structure, not a part a lens focuses on; read it as value.{step}"
        )
    if isinstance(step, str):
        if step not in fields:
            hint = f"its fields are: {', '.join(fields)}" if fields else "it has no fields"
            raise AttributeError(f"a {name} has no field {step!r}; {hint}")
        return fields.index(step)
    if isinstance(value, tuple | list) and isinstance(step, int) and not isinstance(step, bool):
        n = len(value)
        if not -n <= step < n:
            raise IndexError(f"index {step} is out of range for a {name} of length {n}")
        return step % n
    if _vspace.node_def(value) is None:
        raise TypeError(
            f"a lens focuses on parts of containers (dataclass, NamedTuple, tuple, list, "
            f"dict), but step {step!r} met a {name}; index arrays directly (x[i])"
        )
    what = "field names" if fields else "integer indices"
    raise TypeError(f"a {name} is indexed by {what}, not by {type(step).__name__} {step!r}")


def _view_step(x: Any, step: Step) -> Any:
    value = plain_value(x)
    _position(value, step)
    if not isinstance(x, Var):
        return getattr(x, step) if isinstance(step, str) and field_names(x) else x[step]
    if isinstance(step, str) and field_names(value):
        return getattr_node(x, step)
    return getitem_node(x, step)


def view(x: T, where: Lens | Step) -> Any:
    """The part of ``x`` that ``where`` focuses on (the Haskell library's ``^^.``).

    On a traced ``x`` this is differentiable: the gradient is the cotangent at the
    focused place and zero elsewhere.

    Args:
        x: a structured value, plain or traced.
        where: a lens, or a single step (a field name, an index or a key).

    Returns:
        The part.

    Raises:
        AttributeError: a field that ``x`` does not have; the message lists its fields.
        KeyError: a dict key that is missing; the message lists the keys.
        IndexError: an index out of range.
        TypeError: a step of the wrong kind for the container it meets.

    Examples:
        >>> import paralens
        >>> view({"w": (1.0, 2.0)}, lens("w", 1))
        2.0
        >>> paralens.grad(lambda p: view(p, 0) * 3.0)((1.0, 2.0))
        (3.0, 0.0)
    """
    part: Any = x
    for step in _as_lens(where).path:
        part = _view_step(part, step)
    return part


def _replace(value: Any, step: Step, new: Any) -> Any:
    return replace_child(value, _position(value, step), new)


def _set_one(x: Any, step: Step, new: Any) -> Any:
    return _replace(x, step, new)


_set_step = primitive(_set_one, "set", symbolic_zeros=True)


def _set_step_any(x: Any, step: Step, new: Any) -> Any:
    if isinstance(x, Var):
        _position(plain_value(x), step)
        # A container of Vars placed inside a Var's value would hide them from the trace.
        return _set_step(x, step, sequence(new))
    # A plain container keeps its children as they are, traced or not; there is nothing
    # to record.
    return _replace(x, step, new)


def _set_vjp_x(g: Any, ans: Any, x: Any, step: Step, new: Any) -> Any:
    if g is ZERO:
        return ZERO
    if isinstance(g, Var):
        return _set_step_any(g, step, _vspace.zeros_like(plain_value(new)))
    return _replace(g, step, ZERO)


def _set_vjp_new(g: Any, ans: Any, x: Any, step: Step, new: Any) -> Any:
    return ZERO if g is ZERO else _view_step(g, step)


def _set_jvp_x(t: Any, ans: Any, x: Any, step: Step, new: Any) -> Any:
    if t is ZERO:
        return ZERO
    return _set_step_any(t, step, _vspace.zeros_like(plain_value(new)))


def _set_jvp_new(t: Any, ans: Any, x: Any, step: Step, new: Any) -> Any:
    if t is ZERO:
        return ZERO
    return _replace(_vspace.zeros_like(plain_value(x)), step, t)


defvjp(_set_step, _set_vjp_x, None, _set_vjp_new, saves=(1, 2), staged=False)
defjvp(_set_step, _set_jvp_x, None, _set_jvp_new)


def _set_path(x: Any, path: tuple[Step, ...], new: Any) -> Any:
    if not path:
        return new
    step, rest = path[0], path[1:]
    inner = new if not rest else _set_path(_view_step(x, step), rest, new)
    return _set_step_any(x, step, inner)


def over(x: T, where: Lens | Step, fn: Callable[[Any], Any]) -> T:
    """``x`` with the part that ``where`` focuses on replaced by ``fn`` of it.

    Args:
        x: a structured value, plain or traced.
        where: a lens, or a single step.
        fn: the function to apply to the part.

    Returns:
        A new value; ``x`` is unchanged.

    Examples:
        >>> import paralens
        >>> over({"w": 3.0, "b": 1.0}, "w", lambda w: w * 2.0)
        {'w': 6.0, 'b': 1.0}
        >>> f = lambda p: view(over(p, "w", lambda w: w * w), "w") + view(p, "b")
        >>> paralens.grad(f)({"w": 3.0, "b": 1.0})
        {'w': 6.0, 'b': 1.0}
    """
    path = _as_lens(where).path
    return _set_path(x, path, fn(view(x, Lens(path))))  # type: ignore[no-any-return]


def sequence(xs: Any) -> Any:
    """One traced container from a container of traced values (``sequenceVar``).

    Tuples, lists, dicts, NamedTuples and dataclasses are packed, at every level, into a
    single ``Var`` of the whole; a container with no traced value inside is returned as it
    is. The gradient of each element flows back to the element.

    Args:
        xs: a container whose elements may be ``Var``s.

    Returns:
        A ``Var`` whose value is the container, or ``xs`` when nothing in it is traced.

    Examples:
        >>> import paralens
        >>> paralens.grad(lambda x: view(sequence([x, x * 2.0]), 1))(1.0)
        2.0
        >>> sequence([1.0, 2.0])
        [1.0, 2.0]
    """
    return pack_structure(xs, lambda c: isinstance(c, Var))


def unsequence(x: Any) -> Any:
    """A container of traced elements from one traced container (``collectVar`` reversed).

    The result has the container's own type (a list gives a list of Vars, a dict a dict of
    Vars, a dataclass a dataclass holding Vars); only the outermost level is split.

    Args:
        x: a ``Var`` of a tuple, list, dict, NamedTuple or dataclass, or a plain one.

    Returns:
        The container, each element a ``Var`` viewing that place; a plain ``x`` as it is.

    Raises:
        TypeError: ``x`` traces a value that is not a container.

    Examples:
        >>> import paralens
        >>> def f(xs):
        ...     a, b = unsequence(xs)
        ...     return a * b
        >>> paralens.grad(f)([2.0, 5.0])
        [5.0, 2.0]
    """
    if not isinstance(x, Var):
        return x
    value = plain_value(x)
    node = _vspace.node_def(value)
    if node is None:
        raise TypeError(
            f"unsequence needs a traced container (tuple, list, dict, NamedTuple, "
            f"dataclass), got a traced {type(value).__name__}"
        )
    _, aux = node.flatten(value)
    if isinstance(value, dict):
        steps: Iterable[Step] = list(value)
    elif field_names(value) and not isinstance(value, tuple):
        steps = field_names(value)
    else:
        steps = range(len(value))
    return node.unflatten(aux, [_view_step(x, s) for s in steps])


def match(x: Any, cases: Mapping[type | None, Callable[[Any], R]]) -> R:
    """Run the case for the class of ``x``'s value: pattern matching on a sum type.

    ``x`` holds one of several classes (dataclasses sharing a base, say, or ``None`` for
    an ``Optional``). The function for its class is called with ``x`` itself, so inside
    it ``x`` is traced exactly as before; a class matches its own entry first, then the
    entry of its nearest base class. Only the active case runs, so the gradient is a
    value of the active class and the other cases cost nothing. A plain
    ``if isinstance(x.value, A)`` in a traced function works just as well: the trace
    follows whichever branch Python takes.

    Args:
        x: a value, plain or traced.
        cases: a function per class; the key ``None`` stands for ``type(None)``.

    Returns:
        What the active case returns.

    Raises:
        TypeError: no case covers the class of ``x``; the message lists the cases.

    Examples:
        >>> import paralens
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Circle:
        ...     r: float
        >>> @dataclass(frozen=True)
        ... class Square:
        ...     side: float
        >>> def area(s):
        ...     return match(s, {Circle: lambda c: 3.0 * c.r * c.r, Square: lambda q: q.side**2})
        >>> area(Square(2.0)), paralens.grad(area)(Circle(1.0))
        (4.0, Circle(r=6.0))
        >>> match(None, {None: lambda _: 0.0, float: lambda v: v})
        0.0
    """
    cls = type(plain_value(x))
    table: dict[type, Callable[[Any], R]] = {
        (type(None) if k is None else k): fn for k, fn in cases.items()
    }
    for klass in cls.__mro__:
        if klass in table:
            return table[klass](x)
    names = ", ".join("None" if k is None else k.__name__ for k in cases)
    raise TypeError(
        f"match has no case for {cls.__name__}; its cases are: {names}. Add "
        f"{cls.__name__ if cls is not type(None) else 'None'}: fn to the cases"
    )


def set(x: T, where: Lens | Step, new: Any) -> T:  # noqa: A001
    """``x`` with the part that ``where`` focuses on replaced by ``new`` (``setVar``).

    On traced values this is differentiable: the cotangent splits between ``new`` (the
    cotangent at that place) and the rest of ``x`` (the cotangent with zero there).

    Args:
        x: a structured value, plain or traced.
        where: a lens, or a single step.
        new: the new part.

    Returns:
        A new value; ``x`` is unchanged.

    Raises:
        AttributeError, KeyError, IndexError, TypeError: as for ``view``.

    Examples:
        >>> import paralens
        >>> set((1.0, {"b": 2.0}), lens(1, "b"), 7.0)
        (1.0, {'b': 7.0})
        >>> f = lambda p, n: view(set(p, "w", n * p["b"]), "w") + 2.0 * view(p, "w")
        >>> paralens.grad(f, argnums=(0, 1))({"w": 3.0, "b": 1.0}, 5.0)
        ({'w': 2.0, 'b': 5.0}, 1.0)
    """
    return _set_path(x, _as_lens(where).path, new)  # type: ignore[no-any-return]
