"""Reverse mode: the tape, and the backward walk along it.

While the function runs, a ``ReverseTrace`` records one node per primitive application
on its *tape*: the primitive, its answer, its arguments (as ``_residuals`` says to keep
them), and, for each argument that is a Var of this trace, the argument's position and
the tape index of the node that made it. A Var knows its own node's index. The inputs
of the trace are nodes too, without a primitive.

Nodes are appended in the order the operations run, which is already a topological
order. The backward walk goes once over the tape from the output back: it takes the
cotangent of each node, asks the node's primitive for the rule of each traced argument
(one table lookup), and adds the result into the cotangent of the argument's node.

The tape keeps its own copy of every constant a rule reads that could change
(``kept_constant``: arrays, their subclasses such as memory maps, lists, and those inside
tuples and keyword arguments): the caller may change one after using it, and the
gradient must stay that of what was computed.

A node is a plain tuple, ``(prim, ans, args, kwargs, parents, index)``, read only in this
module: one is made per operation, and a tuple display costs a fraction of an object's
construction. ``ReverseTrace.steps`` gives the record to read, with named parts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from paralens._core import _vspace
from paralens._core._backends import BACKEND_COPY, BACKENDS, SPECIAL_VALUES, is_backend_type
from paralens._core._primitive import (
    Primitive,
    apply_special,
    defjvp,
    defvjp,
    primitive,
    primitive_of,
)
from paralens._core._residuals import DROP_FROM_BYTES, ShapeOnly, shape_only
from paralens._core._trace import TRACED, Trace
from paralens._core._var import NO_KWARGS, Var, make_var
from paralens._core._vspace import (
    ARRAY_TYPES,
    MAYBE_MUTABLE,
    NEVER_MUTABLE,
    SCALAR_TYPES,
    ZERO,
    may_change,
)

_LEAF_TYPES = _vspace.LEAF_TYPES


def _constant_beside(like: Any, value: Any) -> Any:
    """``value``; traced beside ``like``, a constant of ``like``'s trace (no derivative)."""
    return value


constant_beside = primitive(_constant_beside, "constant_beside")
defvjp(constant_beside, None, None, saves=(), staged=False)
defjvp(constant_beside, None, None)
primitive_of(constant_beside).on_backend = lambda args, kwargs: args[1]


class Step(NamedTuple):
    """One entry of what a reverse trace recorded.

    ``primitive`` is ``None`` for an input of the trace; ``ans`` is the value it made (or
    its ``ShapeOnly``); ``args`` and ``kwargs`` what it was applied to, as the tape keeps
    them; ``parents`` the ``(argnum, position)`` of each traced argument, ``position``
    being where on the tape the step that made it is.
    """

    position: int
    primitive: Primitive | None
    ans: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    parents: tuple[tuple[int, int], ...]


def kept_constant(x: Any, depth: int = 0) -> Any:
    """A constant argument as the tape keeps it, when a rule reads it: its own copy of an
    array that could change (writeable, or a view of memory that may be), of a list, and
    of the arrays and lists in a tuple (an index ``x[rows, cols]``).

    The caller may change a constant after using it (``a = np.ones(3); y = x * a;
    a[:] = 5``); the gradient must stay that of what was computed.
    """
    cls = type(x)
    if cls is tuple or isinstance(x, list):
        if depth > _ARRAY_LIKE_DEPTH:  # deeper than any array NumPy makes: no array-like
            return x
        if cls is tuple and not any(_may_change(c) for c in x):
            return x
        kept = [kept_constant(c, depth + 1) for c in x]
        return tuple(kept) if cls is tuple else kept
    if cls in BACKEND_COPY:  # an array of another library
        return BACKEND_COPY[cls](x)
    if (cls in ARRAY_TYPES or cls in MAYBE_MUTABLE) and (x.flags.writeable or x.base is not None):
        return x.copy()
    return x


# NumPy's arrays have at most 64 dimensions: a constant nested deeper is no array-like.
_ARRAY_LIKE_DEPTH = 64


def _may_change(x: Any) -> bool:
    cls = type(x)
    return cls in MAYBE_MUTABLE or (cls not in NEVER_MUTABLE and _may_change_type(cls))


def _may_change_type(cls: type) -> bool:
    # An array type of another library is mutable; asked first, so that such a type is
    # never remembered as one that cannot change.
    return is_backend_type(cls) or may_change(cls)


def _kept_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments as the tape keeps them (``kept_constant`` of each)."""
    for v in kwargs.values():
        if type(v) not in TRACED and _may_change(v):
            return {k: kept_constant(v) for k, v in kwargs.items()}
    return kwargs


class ReverseTrace(Trace):
    """A trace that records a tape for the reverse (VJP) pass."""

    __slots__ = ("tape",)

    def __init__(self) -> None:
        super().__init__()
        self.tape: list[tuple[Any, ...]] = []

    def new_input(self, value: Any) -> Var:
        """A Var of ``value``, an input of this trace."""
        tape = self.tape
        index = len(tape)
        tape.append((None, value, (), NO_KWARGS, [], index))
        return (
            Var(value, self, index) if type(value) in _LEAF_TYPES else make_var(value, self, index)
        )

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Var:
        if not self.active:
            raise self.escaped()
        vals = list(args)
        parents = []
        # An argument holds Vars of outer (lower) traces, or an array of another library
        # than NumPy: either way the primitive is applied by ``apply_special``, not by its
        # function (one set holds both kinds of type: one test per argument, as before).
        special = False
        i = -1
        for a in args:
            i += 1  # a counter: enumerate's tuples cost more, on the hottest loop
            cls = type(a)
            if cls not in TRACED:
                # an array (or list) the caller could change later: the tape keeps a copy
                if cls is float or cls in NEVER_MUTABLE:
                    continue
                if i in prim.dropped_args:  # no rule reads it: no copy, but its library counts
                    special = special or (
                        cls not in ARRAY_TYPES and _may_change_type(cls) and cls in BACKENDS
                    )
                    continue
                # kept_constant's most common case, an array, inline
                if cls in ARRAY_TYPES and (a.flags.writeable or a.base is not None):
                    vals[i] = a.copy()
                elif cls not in ARRAY_TYPES and (cls in MAYBE_MUTABLE or _may_change_type(cls)):
                    vals[i] = kept_constant(a)
                    special = special or cls in BACKENDS
                continue
            if a._trace is not self:
                special = True
                continue
            parents.append((i, a._tape_index))
            v = vals[i] = a._value
            if type(v) in SPECIAL_VALUES:
                special = True
        if kwargs:
            ans = apply_special(prim, vals, kwargs) if special else prim.fun(*vals, **kwargs)
            kwargs = _kept_kwargs(kwargs)
        else:
            ans = apply_special(prim, vals, kwargs) if special else prim.fun(*vals)
        # A number is kept whole without reading its size (the type test costs less).
        saved_ans = (
            ans
            if prim.saves_ans
            or type(ans) in SCALAR_TYPES
            or getattr(ans, "nbytes", 0) < DROP_FROM_BYTES
            else shape_only(ans)
        )
        if prim.dropped_args:
            # What no rule reads is kept only as a shape (inline: this runs on every step).
            n = len(vals)
            for i in prim.dropped_args:
                if i >= n or type(v := vals[i]) in SCALAR_TYPES:
                    continue
                if getattr(v, "nbytes", 0) >= DROP_FROM_BYTES:
                    vals[i] = shape_only(v)
        tape = self.tape
        index = len(tape)
        tape.append((prim, saved_ans, tuple(vals), kwargs, parents, index))
        return Var(ans, self, index) if type(ans) in _LEAF_TYPES else make_var(ans, self, index)

    def backward(self, out: Var, ct: Any, inputs: list[Var]) -> list[Any]:
        """Walk the tape from ``out`` back to ``inputs``; return each input's cotangent.

        Cotangents accumulate in a list local to the walk, indexed by tape position, so
        one tape can be pulled back many times (as ``jacrev`` does).
        """
        last = out._tape_index
        if type(ct) in BACKENDS and type(out._value) in TRACED:
            # A derivative of a derivative: the seed becomes a constant of the outer trace,
            # as the rules' ``g * d`` meets traced ``d`` (array-api-strict's operators
            # refuse an operand they do not know, where NumPy's and torch's defer to it).
            ct = constant_beside(out._value, ct)
        cts: list[Any] = [None] * (last + 1)
        cts[last] = ct
        leaf_types = _LEAF_TYPES
        add = _vspace.add
        for prim, ans, vals, kwargs, parents, index in self.tape[last::-1]:
            g = cts[index]
            if g is None or g is ZERO or prim is None:
                continue
            if (
                type(ans) not in leaf_types
                and not prim.symbolic_zeros
                and type(ans) is not ShapeOnly
            ):
                g = _vspace.instantiate(g, ans)
            rules = prim.vjps
            for argnum, parent in parents:
                rule = rules[argnum]
                if rule is None:
                    continue
                c = rule(g, ans, *vals, **kwargs) if kwargs else rule(g, ans, *vals)
                before = cts[parent]
                cts[parent] = c if before is None else add(before, c)
        return [ZERO if (i := v._tape_index) > last or cts[i] is None else cts[i] for v in inputs]

    def index_of(self, var: Var) -> int:
        """The position on the tape of the step that made ``var``, a Var of this trace."""
        if not self.owns(var):
            raise ValueError(f"{var!r} is not a traced value of this trace")
        return var._tape_index

    def steps(self) -> list[Step]:
        """What the trace recorded, in order: the inputs and every primitive application."""
        return [
            Step(index, prim, ans, vals, kwargs, tuple(parents))
            for prim, ans, vals, kwargs, parents, index in self.tape
        ]
