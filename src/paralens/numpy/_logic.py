"""Predicates, comparisons and index queries: plain results, never differentiated.

Each is NumPy's own function with traced arguments read through to their values, as
HIPS autograd treats them: a comparison or a count has no derivative.

Examples:
    >>> import paralens
    >>> paralens.grad(lambda x: x * isfinite(x) * 2.0)(3.0)
    2.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import nondifferentiable

all: Callable[..., Any] = nondifferentiable(np.all)
allclose: Callable[..., Any] = nondifferentiable(np.allclose)
any: Callable[..., Any] = nondifferentiable(np.any)
argpartition: Callable[..., Any] = nondifferentiable(np.argpartition)
argwhere: Callable[..., Any] = nondifferentiable(np.argwhere)
array_equal: Callable[..., Any] = nondifferentiable(np.array_equal)
array_equiv: Callable[..., Any] = nondifferentiable(np.array_equiv)
count_nonzero: Callable[..., Any] = nondifferentiable(np.count_nonzero)
empty_like: Callable[..., Any] = nondifferentiable(np.empty_like)
equal: Callable[..., Any] = nondifferentiable(np.equal)
flatnonzero: Callable[..., Any] = nondifferentiable(np.flatnonzero)
greater: Callable[..., Any] = nondifferentiable(np.greater)
greater_equal: Callable[..., Any] = nondifferentiable(np.greater_equal)
iscomplex: Callable[..., Any] = nondifferentiable(np.iscomplex)
iscomplexobj: Callable[..., Any] = nondifferentiable(np.iscomplexobj)
isclose: Callable[..., Any] = nondifferentiable(np.isclose)
isfinite: Callable[..., Any] = nondifferentiable(np.isfinite)
isinf: Callable[..., Any] = nondifferentiable(np.isinf)
isnan: Callable[..., Any] = nondifferentiable(np.isnan)
isneginf: Callable[..., Any] = nondifferentiable(np.isneginf)
isposinf: Callable[..., Any] = nondifferentiable(np.isposinf)
isreal: Callable[..., Any] = nondifferentiable(np.isreal)
isrealobj: Callable[..., Any] = nondifferentiable(np.isrealobj)
isscalar: Callable[..., Any] = nondifferentiable(np.isscalar)
less: Callable[..., Any] = nondifferentiable(np.less)
less_equal: Callable[..., Any] = nondifferentiable(np.less_equal)
logical_and: Callable[..., Any] = nondifferentiable(np.logical_and)
logical_not: Callable[..., Any] = nondifferentiable(np.logical_not)
logical_or: Callable[..., Any] = nondifferentiable(np.logical_or)
logical_xor: Callable[..., Any] = nondifferentiable(np.logical_xor)
nonzero: Callable[..., Any] = nondifferentiable(np.nonzero)
not_equal: Callable[..., Any] = nondifferentiable(np.not_equal)
result_type: Callable[..., Any] = nondifferentiable(np.result_type)
searchsorted: Callable[..., Any] = nondifferentiable(np.searchsorted)
