"""Traces and levels: which transform a traced value belongs to.

A transform (``grad``, ``jvp``, ...) opens a *trace* and calls the function it
differentiates with its inputs wrapped as traced values (``Var``s, in ``_var.py``) of that
trace. Each trace has a *level*, higher than the level of every trace opened before it,
so the traces open at any moment are ordered: an inner transform's trace is above the
outer one's.

When a primitive meets traced arguments, the trace of the highest level among them
processes the application (``bind``, in ``_primitive.py``). To that trace, Vars of lower
levels are plain constants: it unwraps only its own Vars, and applies the primitive to
what is left, which may still hold Vars of lower traces. That application binds again,
one level down, until no Var is left. So every trace sees exactly the operations on its
own inputs and nothing of the others.

This is what prevents *perturbation confusion*. In ``d/dx [x * d/dy (x + y)]`` the inner
derivative is 1: ``x`` is a constant to the inner trace, which differentiates only in
``y``. Were the two traces not told apart, the inner transform would also differentiate
in ``x`` and the outer derivative would come out as 2. A trace is closed when its
transform returns; a Var of a closed trace that is used again has *escaped* (kept in a
global or a closure), and using it is an error rather than a silently wrong derivative.

A traced value is anything whose type is in ``TRACED``: it has the plain (or lower-level
traced) value in ``_value`` and its trace in ``_trace``.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from paralens._core._backends import SPECIAL_VALUES
from paralens._core._vspace import TRACED_TYPES

if TYPE_CHECKING:
    from paralens._core._primitive import Primitive

# The classes of traced values (Var and StructVar, which add themselves in _var.py).
TRACED = TRACED_TYPES


def register_traced_type(cls: type) -> None:
    """Declare ``cls`` a type of traced values (a ``Var`` of some trace): it is in
    ``TRACED``, and a trace meeting one as an argument's value hands the primitive on."""
    TRACED.add(cls)
    SPECIAL_VALUES.add(cls)


_levels = itertools.count(1)


class Trace:
    """One application of a transform: a level, and whether it is still open."""

    __slots__ = ("active", "level")
    # A staging trace (paralens.jit) records every computation on its values, those that
    # are constants to the AD too (comparisons, argmax): see ``constant_part``.
    stages = False

    def __init__(self) -> None:
        self.level = next(_levels)
        self.active = True

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Apply ``prim`` to ``args``, some of which are Vars of this trace."""
        raise NotImplementedError

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is a Var of this trace."""
        return type(x) in TRACED and x._trace is self

    def close(self) -> None:
        """End the trace: its Vars may not be used again."""
        self.active = False

    def escaped(self) -> RuntimeError:
        return RuntimeError(
            "a traced value (Var) was used after the transform that created it returned; "
            "it escaped, e.g. through a global or a closure kept past the call. Return "
            "it from the differentiated function instead, or use `stop_gradient`."
        )


def top_trace(args: tuple[Any, ...] | list[Any]) -> Trace | None:
    """The trace of highest level among the traced values in ``args`` (``None``: none)."""
    trace: Trace | None = None
    for a in args:
        if type(a) in TRACED and (trace is None or a._trace.level > trace.level):
            trace = a._trace
    return trace


def value_of(x: Any) -> Any:
    """The value of ``x`` one level down: ``x.value`` for a Var, ``x`` itself otherwise."""
    return x._value if type(x) in TRACED else x


def plain_value(x: Any) -> Any:
    """``x`` with every level of tracing removed."""
    while type(x) in TRACED:
        x = x._value
    return x


def constant_part(x: Any) -> Any:
    """``x`` with every level of AD tracing removed, down to a staging trace's value.

    What the AD treats as a constant (the argument of a nondifferentiable primitive) is
    still a value a staging trace must record: its Var is kept.
    """
    while type(x) in TRACED and not x._trace.stages:
        x = x._value
    return x


def is_var(x: Any) -> bool:
    """Whether ``x`` is a traced value."""
    return type(x) in TRACED
