"""The arguments of a transform, leaf by leaf: wrapped as inputs, and gradients given back.

A differentiated argument keeps its own type inside the function: each float leaf is
replaced by a Var of the transform's trace, and the containers around the leaves stay
what they are. A dataclass of parameters is that dataclass, with its methods and
properties, and reaching into it costs nothing. Integer leaves stay plain constants.

The gradient comes back the same way: one cotangent per wrapped leaf, assembled into a
value with the argument's structure, leaf types, dtypes and shapes, where no two arrays
share memory. Arrays are told apart by the memory they view (their ``base``), so two
views of one cotangent (``g`` and ``g.T``) never both reach the user.

Both walks recurse to the depths parameters have, and hand over to the core's iterative
walk below that, so an argument nested to any depth works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from paralens._core import Var, plain_value
from paralens._core._backends import BACKEND_MEMORY, BACKENDS, own_backend_array
from paralens._core._vspace import (
    ARRAY_TYPES,
    ZERO,
    LeafSpace,
    coerce,
    instantiate,
    leaves,
    lookup,
    unregistered,
    zeros_like,
)
from paralens._core._walk import DEEP, rebuild


class Inputs:
    """One argument of a transform, with each float leaf replaced by ``wrap(leaf)``.

    Attributes:
        primal: the argument as it was given.
        traced: the argument with its float leaves wrapped, for the function to receive.
        vars: the wrapped leaves, left to right.
    """

    __slots__ = ("primal", "traced", "vars")

    def __init__(self, primal: Any, wrap: Callable[[Any], Var], what: str | None = None) -> None:
        """Wrap ``primal``; ``what`` names an argument that must have a float leaf.

        Raises:
            TypeError: ``what`` is given, and ``primal``'s leaves are all integers.
        """
        self.primal = primal
        self.vars: list[Var] = []
        self.traced = _wrapped(primal, wrap, self.vars)
        if what is not None and not self.vars and leaves(primal):
            raise TypeError(
                f"{what} holds only integers ({primal!r}), which have no gradient; pass a "
                f"float (e.g. 3.0 instead of 3, or array.astype(float))"
            )

    def gradient(self, cts: Iterator[Any], given: set[int]) -> Any:
        """The gradient of the argument, from one cotangent per wrapped leaf.

        ``given`` holds the ids of the memory (``memory_id``) of the arrays already handed
        out by this pullback, and of the caller's cotangent: a rule may pass one cotangent
        to two arguments (``x + y``), or hand back the cotangent it was given (the
        identity), and two gradients must not be one array that changing either would
        change both.
        """
        return _assembled(self.primal, cts, given)


def memory_id(array: Any) -> int:
    """The id of the object whose memory ``array`` (of an ``ARRAY_TYPES`` type) views."""
    base = array.base
    return id(array if base is None else base)


def memory_of_leaves(leaves: Iterable[Any]) -> set[Any]:
    """What identifies the memory of the arrays among ``leaves`` (NumPy's, and other
    libraries'): the values handed back beside them must lie elsewhere."""
    given = set()
    for c in leaves:
        cls = type(c)
        if cls in ARRAY_TYPES:
            given.add(memory_id(c))
        elif cls in BACKENDS:
            given.add(BACKEND_MEMORY[cls](c))
    return given


def _wrapped(x: Any, wrap: Callable[[Any], Var], wrapped: list[Var], depth: int = 0) -> Any:
    cls = type(x)
    if depth >= DEEP:
        return _wrapped_deep(x, wrap, wrapped)
    if cls is list or cls is tuple:
        # Parameters are float arrays in lists and tuples: wrapped in one loop, without a
        # call per leaf. This runs once per training step on every parameter.
        out = []
        for c in x:
            if type(c) in ARRAY_TYPES and c.dtype.kind == "f":
                var = wrap(c)
                wrapped.append(var)
                out.append(var)
            else:
                out.append(_wrapped(c, wrap, wrapped, depth + 1))
        return out if cls is list else tuple(out)
    found = lookup(cls)
    if found is None:
        raise unregistered(x)
    if isinstance(found, LeafSpace):
        if found.is_integer(x):
            return x
        var = wrap(x)
        wrapped.append(var)
        return var
    children, aux = found.flatten(x)
    return found.unflatten(aux, [_wrapped(c, wrap, wrapped, depth + 1) for c in children])


def _wrapped_deep(x: Any, wrap: Callable[[Any], Var], wrapped: list[Var]) -> Any:
    def leaf(space: LeafSpace, v: Any, there: tuple[Any, ...]) -> Any:
        if space.is_integer(v):
            return v
        var = wrap(v)
        wrapped.append(var)
        return var

    return rebuild(x, leaf)


def _assembled(x: Any, cts: Iterator[Any], given: set[int], depth: int = 0) -> Any:
    cls = type(x)
    if depth >= DEEP:
        return _assembled_deep(x, cts, given)
    if cls is list or cls is tuple:
        # The gradient of parameters, in a loop like the one that wrapped them.
        out = []
        for c in x:
            if type(c) not in ARRAY_TYPES or c.dtype.kind != "f":
                out.append(_assembled(c, cts, given, depth + 1))
                continue
            ct = next(cts)
            if type(ct) is not type(c) or ct.dtype != c.dtype or ct.shape != c.shape:
                out.append(_own(ct, c, given))
                continue
            # A broadcast view (a sum's pullback) is read-only, and one array may reach
            # two inputs (``x + y``): the user gets arrays of their own.
            base = ct.base  # memory_id, inline: this runs on every parameter of every step
            memory = id(ct if base is None else base)
            if not ct.flags.writeable or memory in given:
                ct = ct.copy()
                memory = id(ct)
            given.add(memory)
            out.append(ct)
        return out if cls is list else tuple(out)
    found = lookup(cls)
    if isinstance(found, LeafSpace):
        return found.zeros(x) if found.is_integer(x) else _own(next(cts), x, given)
    assert found is not None
    children, aux = found.flatten(x)
    return found.unflatten(aux, [_assembled(c, cts, given, depth + 1) for c in children])


def _assembled_deep(x: Any, cts: Iterator[Any], given: set[int]) -> Any:
    def leaf(space: LeafSpace, v: Any, there: tuple[Any, ...]) -> Any:
        return space.zeros(v) if space.is_integer(v) else _own(next(cts), v, given)

    return rebuild(x, leaf)


def _own(ct: Any, primal: Any, given: set[int]) -> Any:
    """The gradient of one leaf: ``ct`` with the primal's type, dtype and shape, in memory
    that no other gradient of this pullback holds."""
    cls = type(ct)
    if cls is not type(primal) or cls not in ARRAY_TYPES:
        plain = plain_value(primal)
        if ct is ZERO:
            return zeros_like(plain)
        ct = coerce(instantiate(ct, plain), plain)
        cls = type(ct)
    if cls in ARRAY_TYPES:
        if ct.dtype != primal.dtype or ct.shape != primal.shape:
            ct = coerce(ct, primal)
        memory = memory_id(ct)
        if not ct.flags.writeable or memory in given:
            ct = ct.copy()
            memory = id(ct)
        given.add(memory)
    elif cls in BACKENDS:
        ct = own_backend_array(ct, given)
    return ct
