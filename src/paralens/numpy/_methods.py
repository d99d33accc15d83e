"""What a Var's operators and array methods mean, in terms of ``paralens.numpy``.

An operator computes with Python's own operator, so traced code gives what the same code
gives untraced (a float times a float is a float, not a NumPy scalar), and it shares its
rules with the NumPy function of the same meaning.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from paralens._core import METHODS, OPERATORS, PROPERTIES, primitive_of, set_operators
from paralens._core._var import REFLECTED
from paralens.numpy._arranging import compress, repeat
from paralens.numpy._complex import conj, imag, real
from paralens.numpy._composites import astype, dot, ravel, std, swapaxes, take, var
from paralens.numpy._creation import argmax, argmin, argsort
from paralens.numpy._diagonals import diagonal, trace
from paralens.numpy._elementwise import (
    abs,
    add,
    clip,
    divide,
    floor_divide,
    mod,
    multiply,
    negative,
    power,
    round,
    subtract,
)
from paralens.numpy._indexing import getitem
from paralens.numpy._linalg import matmul
from paralens.numpy._logic import all, any, argpartition, nonzero, searchsorted
from paralens.numpy._reductions import cumprod, cumsum, max, mean, min, prod, sum
from paralens.numpy._shape import reshape, squeeze, transpose

set_operators(
    add=(operator.add, add),
    subtract=(operator.sub, subtract),
    multiply=(operator.mul, multiply),
    divide=(operator.truediv, divide),
    power=(operator.pow, power),
    matmul=(operator.matmul, matmul),
    negative=(operator.neg, negative),
    abs=(operator.abs, abs),
    getitem=(operator.getitem, getitem),
    mod=(operator.mod, mod),
    floor_divide=(operator.floordiv, floor_divide),
)
PROPERTIES.update(T=lambda v: transpose(v), real=real, imag=imag)
# An ndarray on the left of ``@`` (``x @ w``, a model's first layer) reaches Var through
# NumPy's ufunc protocol: it binds the operator's twin, as the reflected operator did
# before the protocol (np.matmul and ``@`` agree on every input). The other ufuncs
# compute with the pnp function of their name (found by numpy/_protocol.py).
REFLECTED[np.matmul] = primitive_of(OPERATORS["matmul"])


def _method_axes(axes: tuple[Any, ...]) -> Any:
    """``x.transpose(1, 0)`` and ``x.transpose((1, 0))`` both mean the axes ``(1, 0)``."""
    if not axes or (len(axes) == 1 and axes[0] is None):
        return None
    if len(axes) == 1 and not isinstance(axes[0], int):
        return tuple(axes[0])
    return axes


METHODS.update(
    sum=sum,
    mean=mean,
    max=max,
    min=min,
    prod=prod,
    var=var,
    std=std,
    reshape=lambda v, *newshape: reshape(v, newshape[0] if len(newshape) == 1 else newshape),
    transpose=lambda v, *axes: transpose(v, _method_axes(axes)),
    swapaxes=swapaxes,
    take=take,
    argmax=argmax,
    argmin=argmin,
    ravel=ravel,
    flatten=ravel,
    dot=dot,
    squeeze=squeeze,
    cumsum=cumsum,
    astype=astype,
    clip=clip,
    conj=conj,
    conjugate=conj,
    cumprod=cumprod,
    repeat=repeat,
    diagonal=diagonal,
    trace=trace,
    compress=lambda v, condition, axis=None: compress(condition, v, axis),
    all=all,
    any=any,
    nonzero=nonzero,
    round=round,
    argsort=argsort,
    argpartition=argpartition,
    searchsorted=searchsorted,
)
