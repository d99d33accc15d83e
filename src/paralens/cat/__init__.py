"""The category of differentiable arrows: the explicit, point-free style of paralens.

A differentiable program is a value, an ``Arrow[A, B]``, built from generators with three
combinators: ``f >> g`` (then), ``f & g`` (fork: ``x -> (f x, g x)``) and ``f * g``
(parallel on pairs). The same description is evaluated (``f(x)``), differentiated in
forward mode (``forward(f)(x) -> (y, linear_map)``) or in reverse mode
(``reverse(f)(x) -> (y, pullback)``, ``grad(f)``). Arrows evaluate on traced values too,
so ``paralens.grad`` of an arrow agrees with ``cat.grad``.

Generators: ``id``, ``exl``, ``exr``, ``dup``, ``const(c)``, ``lift(fn)``, and the
primitives below. Unary: ``sin``, ``cos``, ``tan``, ``exp``, ``log``, ``tanh``,
``sqrt``, ``square``, ``neg``, ``sigmoid``, ``relu``. On pairs: ``add``, ``sub``,
``mul``, ``div``, ``matmul``.

The laws of a cartesian category hold:

    >>> from paralens import cat
    >>> f, g = cat.sin, cat.exp
    >>> print((cat.id >> f)(0.5) == f(0.5) == (f >> cat.id)(0.5))
    True
    >>> print(((f & g) >> cat.exl)(0.5) == f(0.5) and ((f & g) >> cat.exr)(0.5) == g(0.5))
    True
    >>> (cat.exl & cat.exr)((1.0, 2.0)) == cat.id((1.0, 2.0))
    True

Examples:
    >>> from paralens import cat
    >>> f = cat.sin >> (cat.id & cat.cos) >> cat.mul
    >>> f
    sin >> (id & cos) >> mul
    >>> y, df = cat.forward(f)(0.0)
    >>> float(y), float(df(1.0)), cat.grad(f)(0.0)
    (0.0, 1.0, 1.0)
"""

from typing import Any

from paralens import numpy as _pnp
from paralens.cat._arrow import (
    COMBINATORS,
    GENERATORS,
    Arrow,
    Kind,
    LinearMap,
    const,
    dup,
    evaluate,
    exl,
    exr,
    fork,
    lift,
    parallel,
    then,
)
from paralens.cat._arrow import identity as id  # noqa: A004
from paralens.cat._modes import forward, grad, reverse

sin: Arrow[Any, Any] = lift(_pnp.sin)
cos: Arrow[Any, Any] = lift(_pnp.cos)
tan: Arrow[Any, Any] = lift(_pnp.tan)
exp: Arrow[Any, Any] = lift(_pnp.exp)
log: Arrow[Any, Any] = lift(_pnp.log)
tanh: Arrow[Any, Any] = lift(_pnp.tanh)
sqrt: Arrow[Any, Any] = lift(_pnp.sqrt)
square: Arrow[Any, Any] = lift(_pnp.square)
sigmoid: Arrow[Any, Any] = lift(_pnp.sigmoid)
relu: Arrow[Any, Any] = lift(_pnp.relu)
neg: Arrow[Any, Any] = lift(_pnp.negative, name="neg")
add: Arrow[tuple[Any, Any], Any] = lift(_pnp.add, arity=2)
sub: Arrow[tuple[Any, Any], Any] = lift(_pnp.subtract, arity=2, name="sub")
mul: Arrow[tuple[Any, Any], Any] = lift(_pnp.multiply, arity=2, name="mul")
div: Arrow[tuple[Any, Any], Any] = lift(_pnp.divide, arity=2, name="div")
matmul: Arrow[tuple[Any, Any], Any] = lift(_pnp.matmul, arity=2)

__all__ = [
    "COMBINATORS",
    "GENERATORS",
    "Arrow",
    "Kind",
    "LinearMap",
    "add",
    "const",
    "cos",
    "div",
    "dup",
    "evaluate",
    "exl",
    "exp",
    "exr",
    "fork",
    "forward",
    "grad",
    "id",
    "lift",
    "log",
    "matmul",
    "mul",
    "neg",
    "parallel",
    "relu",
    "reverse",
    "sigmoid",
    "sin",
    "sqrt",
    "square",
    "sub",
    "tan",
    "tanh",
    "then",
]
