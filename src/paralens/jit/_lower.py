"""Lowering: how one equation is written as a line of Python.

By default an equation is a call of its primitive's function, bound by name in the
generated function's globals; that works for every primitive, those added later too.
Where the function is known the line says what it does: an operator as the operator
(``a * b``), a NumPy ufunc by its NumPy name, indexing as indexing; and where the
buffer plan gives the answer a place to live (``_buffers``), a ufunc or a matrix product
writes there with ``out=``, and an update of a donated parameter is one in-place BLAS call.

A line whose answer's shape its arguments' shapes do not fix (a primitive nothing is known
of, indexing by a traced index, a size passed as a number) is followed by a check of that
shape: a program staged for one shape raises rather than broadcasting another into its
buffers.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from paralens.jit._program import Eq, Pack, Program, Ref
from paralens.numpy import _elementwise, _indexing, _linalg, _reductions, _shape
from paralens.tree import tree_leaves

if TYPE_CHECKING:
    from paralens.jit._buffers import Plan

_OPERATORS: dict[Callable[..., Any], str] = {
    operator.add: "{0} + {1}",
    operator.sub: "{0} - {1}",
    operator.mul: "{0} * {1}",
    operator.truediv: "{0} / {1}",
    operator.pow: "{0} ** {1}",
    operator.matmul: "{0} @ {1}",
    operator.neg: "-{0}",
    operator.getitem: "{0}[{1}]",
}


# Functions whose answer's shape the shapes of their arguments fix.
_SHAPE_FOLLOWS: set[Callable[..., Any]] = {np.matmul, _linalg._matmul}
# Those whose answer's shape is fixed by the shapes of their array arguments and by their
# constant arguments (an axis, a shape).
_SHAPE_FOLLOWS_ON_ARRAYS: set[Callable[..., Any]] = {
    _shape._transpose,
    _shape._reshape,
    _shape._expand_dims,
    _shape._broadcast_to,
    _indexing._index_add,
    _indexing._where,
    _reductions._sum,
    _reductions._mean,
    _reductions._logsumexp,
    _reductions._log_softmax,
    _elementwise._sigmoid,
    _elementwise._relu,
    _elementwise._softplus,
}

# paralens.numpy's own functions whose line is the NumPy expression they evaluate.
_INLINE: dict[Callable[..., Any], str] = {
    _indexing._getitem: "{0}[{1}]",
}


class Namespace:
    """The globals of the generated function: a readable name for each object it uses."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}
        self._scope: dict[str, Any] = {"np": np, "math": math, "tree_leaves": tree_leaves}
        self._keep: list[Any] = []

    def name(self, obj: Any, hint: str) -> str:
        """The name bound to ``obj`` (bound now if it has none yet)."""
        found = self._names.get(id(obj))
        if found is not None:
            return found
        ufunc_name = getattr(obj, "__name__", "") if isinstance(obj, np.ufunc) else ""
        if ufunc_name and getattr(np, ufunc_name, None) is obj:
            name = f"np.{ufunc_name}"
        else:
            base = "".join(c if c.isalnum() else "_" for c in hint) or "f"
            name = base if base not in self._scope else f"{base}_{len(self._names)}"
            self._scope[name] = obj
        self._names[id(obj)] = name
        self._keep.append(obj)
        return name

    def const(self, value: Any) -> str:
        """An expression for the constant ``value``: a literal, or a name bound to it."""
        cls = type(value)
        if value is None or cls in (bool, int, str) or (cls is float and math.isfinite(value)):
            return repr(value)
        if cls is slice:
            parts = (self.const(value.start), self.const(value.stop), self.const(value.step))
            return f"slice({', '.join(parts)})"
        if cls is tuple and all(type(v) in (int, type(None), slice) for v in value):
            inner = ", ".join(self.const(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return self.name(value, "c")

    def bind(self, name: str, obj: Any) -> None:
        """Bind ``obj`` to ``name`` in the generated function's globals."""
        self._scope[name] = obj

    def scope(self) -> dict[str, Any]:
        return dict(self._scope)


def arg_expr(a: Any, names: dict[int, str], ns: Namespace) -> str:
    """The expression of one argument of an equation."""
    if type(a) is Ref:
        return names[a.id]
    if type(a) is Pack:
        inner = ", ".join(arg_expr(i, names, ns) for i in a.items)
        if a.kind is list:
            return f"[{inner}]"
        return f"({inner},)" if len(a.items) == 1 else f"({inner})"
    return ns.const(a)


def call_expr(eq: Eq, names: dict[int, str], ns: Namespace) -> str:
    """The expression computing an equation's answer, without any buffer."""
    args = [arg_expr(a, names, ns) for a in eq.args]
    fun = eq.prim.fun
    pattern = _OPERATORS.get(fun) or _INLINE.get(fun)
    if pattern is not None and not eq.kwargs and len(args) == pattern.count("{"):
        return pattern.format(*args)
    kwargs = [f"{k}={arg_expr(v, names, ns)}" for k, v in eq.kwargs.items()]
    return f"{ns.name(fun, eq.prim.name)}({', '.join(args + kwargs)})"


def lower(
    eq: Eq,
    index: int,
    names: dict[int, str],
    ns: Namespace,
    plan: Plan,
    program: Program,
    in_place: bool,
) -> list[str]:
    """The lines of Python computing equation number ``index``."""
    special = plan.lines(eq, index, names, ns, in_place)
    if special is not None:
        return special
    expr = call_expr(eq, names, ns)
    if eq.out_tree is None:
        lines = [f"{names[eq.outs[0]]} = {expr}"]
    else:
        outs = ", ".join(names[o] for o in eq.outs)
        lines = [f"({outs},) = tree_leaves({expr})"]
    if not _shape_follows(eq, program):
        lines.extend(_shape_checks(eq, names, ns, program))
    return lines


def _shape_follows(eq: Eq, program: Program) -> bool:
    """Whether an equation's answer has a shape its arguments' shapes fix (a ufunc, an
    operator, a matrix product, indexing by constants), so replay need not check it."""
    fun = eq.prim.fun
    if fun is operator.getitem or fun is _indexing._getitem:
        return not any(type(a) is Ref or type(a) is Pack for a in eq.args[1:])
    if isinstance(fun, np.ufunc) or fun in _OPERATORS or fun in _SHAPE_FOLLOWS:
        return True
    # paralens.numpy's own shape-fixed functions, where every traced argument is an array
    # (a traced number could be a size or an axis).
    return fun in _SHAPE_FOLLOWS_ON_ARRAYS and all(_is_array_ref(a, program) for a in eq.args)


def _is_array_ref(a: Any, program: Program) -> bool:
    if type(a) is Pack:
        return False
    return type(a) is not Ref or program.avals[a.id].kind is np.ndarray


def _shape_checks(eq: Eq, names: dict[int, str], ns: Namespace, program: Program) -> list[str]:
    """Lines that raise if an answer's shape is not the one staged (a primitive whose
    shape depends on the values): a right answer or an error, never a broadcast."""
    lines = []
    for o in eq.outs:
        aval = program.avals[o]
        if aval.kind is np.ndarray:
            check = ns.name(_shape_changed, "shape_changed")
            name = names[o]
            lines.append(
                f"if {name}.shape != {aval.shape!r}: "
                f"{check}({eq.prim.name!r}, {name}.shape, {aval.shape!r})"
            )
    return lines


def _shape_changed(prim: str, shape: tuple[int, ...], staged: tuple[int, ...]) -> None:
    raise ValueError(
        f"jit: {prim} returned an array of shape {shape} where the staged program has "
        f"{staged}: its answer's shape depends on the values of its arguments (a mask, a "
        f"size passed as a number), which a staged program cannot follow. Compute it "
        f"outside jit, or pass what fixes the shape as a static argument "
        f"(jit(f, static_argnums=(i,)))"
    )
