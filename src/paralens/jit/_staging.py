"""The staging trace: a trace of the core that records a program instead of a tape.

``jit`` calls the function with its leaves replaced by ``StagedVar``s of a
``StagingTrace``. A StagedVar's value is an ``Abstract`` (a shape and a dtype), so the
function cannot branch on its numbers; every primitive applied to StagedVars, the
nondifferentiable ones too (comparisons, ``argmax``), is recorded as an ``Eq``, and its
result is a new StagedVar. Transforms inside the function (``jit(grad(f))``) open their
traces above this one: their forward steps and their rules apply primitives to
StagedVars, so the backward pass is recorded too, as primitives like any others.

The abstract value of each result comes from running the primitive once on *examples*:
the first call's own arguments, carried beside the abstract values (``_example``). That
works for any primitive, those added later included, with no shape rule to write, and
the numbers never reach the function: only shapes and dtypes of the answers are kept.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import (
    Primitive,
    Trace,
    Var,
    getattr_node,
    getitem_node,
    nondifferentiable,
    pack,
    primitive_of,
)
from paralens._core._trace import TRACED, register_traced_type
from paralens._core._vspace import basis, register_leaf
from paralens.jit._abstract import Abstract, NumbersUnknown, TracedValueError, value_error
from paralens.jit._program import Eq, Pack, Program, Ref
from paralens.numpy._indexing import _getitem
from paralens.tree import tree_flatten

# Primitives that only take containers apart or build them: applied to the staged
# parts directly, they record nothing.
_STRUCTURAL = {primitive_of(p) for p in (getitem_node, getattr_node, pack)}

_GETITEM = (operator.getitem, _getitem)

# How a primitive's answer is found from the examples of its arguments, where running
# its function is not the way (``cond`` runs both branches): ``fn(args, kwargs) -> ans``.
EXAMPLE_RULES: dict[Primitive, Callable[[list[Any], dict[str, Any]], Any]] = {}

# Primitives whose answer depends only on the shapes and dtypes of their arguments:
# computed once while staging and kept as a constant.
SHAPE_ONLY: set[Primitive] = set()


class OuterValue(Exception):
    """The staged function reached a traced value of an enclosing transform (a closure
    over a ``Var``): ``jit`` then runs the function as it is, under that transform."""


class StagedVar(NumbersUnknown, Var):
    """A value being staged: its ``_value`` is an ``Abstract``, its ``_example`` a plain
    value of that shape used to find the shapes of what is computed from it."""

    __slots__ = ("_example",)
    _example: Any

    @property
    def value(self) -> Any:
        raise value_error("'.value'")

    def __repr__(self) -> str:
        return f"Traced<{self._value!r}>"

    def __bool__(self) -> bool:
        raise value_error("bool() (an `if`, `while`, `and`, `or` or `not`)")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise value_error("a NumPy function (not paralens.numpy) applied")

    def __len__(self) -> int:
        return len(self._value)

    # Comparisons are staged too: their answers are values of the program.
    def __lt__(self, other: Any) -> Any:
        return less(self, other)

    def __le__(self, other: Any) -> Any:
        return less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return greater_equal(self, other)

    def __eq__(self, other: object) -> Any:
        return equal(self, other)

    def __ne__(self, other: object) -> Any:
        return not_equal(self, other)

    __hash__ = Var.__hash__


less: Callable[..., Any] = nondifferentiable(np.less)
less_equal: Callable[..., Any] = nondifferentiable(np.less_equal)
greater: Callable[..., Any] = nondifferentiable(np.greater)
greater_equal: Callable[..., Any] = nondifferentiable(np.greater_equal)
equal: Callable[..., Any] = nondifferentiable(np.equal)
not_equal: Callable[..., Any] = nondifferentiable(np.not_equal)


register_traced_type(StagedVar)
register_leaf(
    StagedVar,
    zeros=lambda v: v._value.zeros(),
    add=lambda x, y: x + y,
    ones=lambda v: v._value.ones(),
    scale=lambda a, x: a * x,
    inner=lambda x, y: (x * y).sum(),
    coerce=lambda primal, ct: ct,
    is_integer=lambda v: v._value.dtype.kind in "biu",
    basis=lambda v: basis(v._value),
)


class StagingTrace(Trace):
    """A trace that records every primitive applied to its values into a ``Program``."""

    __slots__ = ("avals", "eqs", "next_id")
    stages = True

    def __init__(self) -> None:
        super().__init__()
        self.eqs: list[Eq] = []
        self.avals: dict[int, Abstract] = {}
        self.next_id = 0

    def new_var(self, example: Any) -> StagedVar:
        """A StagedVar with the abstract value of the plain ``example``."""
        i = self.next_id
        self.next_id += 1
        aval = Abstract.of(example)
        self.avals[i] = aval
        var = StagedVar(aval, self, i)
        var._example = example
        return var

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self.active:
            raise self.escaped()
        if prim in _STRUCTURAL:
            return prim.fun(*args, **kwargs)
        if prim.fun in _GETITEM and len(args) > 1 and _holds_mask(args[1]):
            raise TracedValueError(
                "indexing with a traced boolean mask: the answer's shape would depend on the "
                "values, and a staged program has one shape per value. Use "
                "pnp.where(mask, x, 0.0) (same shape, zeros where the mask is false), or make "
                "the mask a constant or a static argument: jit(f, static_argnums=(i,))"
            )
        examples = [self.example(a) for a in args]
        ex_kwargs = {k: self.example(v) for k, v in kwargs.items()}
        rule = EXAMPLE_RULES.get(prim)
        ans = rule(examples, ex_kwargs) if rule is not None else prim.fun(*examples, **ex_kwargs)
        if prim in SHAPE_ONLY:
            return ans
        enc_args = tuple(self.encode(a) for a in args)
        enc_kwargs = {k: self.encode(v) for k, v in kwargs.items()}
        if type(ans) is np.ndarray or isinstance(ans, (float, int, complex, np.generic)):
            out = self.new_var(ans)
            self.eqs.append(Eq(prim, enc_args, enc_kwargs, (out._tape_index,)))
            return out
        leaves, tree = tree_flatten(ans)
        outs = [self.new_var(leaf) for leaf in leaves]
        ids = tuple(o._tape_index for o in outs)
        self.eqs.append(Eq(prim, enc_args, enc_kwargs, ids, tree))
        return tree.unflatten(outs)

    def example(self, a: Any) -> Any:
        """The plain example of an argument: a StagedVar's example, a constant itself."""
        cls = type(a)
        if cls is StagedVar:
            if a._trace is not self:
                raise OuterValue()
            return a._example
        if cls in TRACED:
            raise OuterValue()
        if cls is tuple or cls is list:
            items = [self.example(x) for x in a]
            return items if cls is list else tuple(items)
        if cls is slice and any(type(p) in TRACED for p in (a.start, a.stop, a.step)):
            raise value_error("a slice bound")
        return a

    def encode(self, a: Any) -> Any:
        """An argument as the program keeps it: refs for StagedVars, constants as they are."""
        cls = type(a)
        if cls is StagedVar:
            return Ref(a._tape_index)
        if (cls is tuple or cls is list) and any(_holds_staged(x) for x in a):
            return Pack(cls, tuple(self.encode(x) for x in a))
        return a

    def program(self, inputs: list[int], outputs: list[Any], out_tree: Any) -> Program:
        return Program(inputs, self.eqs, outputs, out_tree, self.avals)


def _holds_mask(index: Any) -> bool:
    """Whether an index holds a traced boolean array (a mask, whose answer's shape is its
    count of ``True``)."""
    if type(index) is StagedVar:
        return bool(index._value.dtype == np.bool_)
    if type(index) is tuple or type(index) is list:
        return any(_holds_mask(i) for i in index)
    return False


def _holds_staged(a: Any) -> bool:
    cls = type(a)
    if cls is StagedVar:
        return True
    return (cls is tuple or cls is list) and any(_holds_staged(x) for x in a)


def example_of(x: Any) -> Any:
    """The plain value a leaf stands for: a StagedVar's example, an AD Var's value."""
    while type(x) in TRACED:
        if type(x) is StagedVar:
            return x._example
        x = x._value
    return x
