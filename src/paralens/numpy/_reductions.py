"""Reductions: sums, means, extrema and products over axes, and the log-sum-exp family."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import primitive

# The ufuncs' own reductions, which numpy.sum and numpy.max call, without their Python
# dispatch: losses and softmaxes run them on every training step.
add_reduce: Callable[..., Any] = np.add.reduce
_max_reduce: Callable[..., Any] = np.maximum.reduce
_isfinite: Callable[..., Any] = np.isfinite


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.sum``: the sum over ``axis`` (all axes by default).

    Examples:
        >>> sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
        array([4., 6.])
        >>> float(sum(np.ones(3)))
        3.0
    """
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return add_reduce(x, axis, None, None, keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


sum = primitive(_sum, "sum")


def count(shape: tuple[int, ...], axis: Any) -> int:
    """How many entries of an array of ``shape`` a reduction over ``axis`` adds up."""
    axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean of ``x`` over ``axis`` (all axes by default).

    A primitive, like ``sum``: losses end in it, and as one operation its pullback is
    one broadcast instead of a division and a broadcast.

    Examples:
        >>> mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
        array([1.5, 4. ])
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size:
        # What numpy.mean computes for float32 and float64: the sum, then a division by
        # the count as an integer array scalar (so float32 divides as NumPy does).
        total = add_reduce(x, axis, None, None, keepdims)
        n = np.intp(x.size if axis is None else count(x.shape, axis))
        if type(total) is np.ndarray:
            return np.true_divide(total, n, out=total, casting="unsafe")
        return total.dtype.type(total / n)
    return np.mean(x, axis=axis, keepdims=keepdims)


mean = primitive(_mean, "mean")


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.max`` over ``axis``; tied maxima share the gradient equally.

    Examples:
        >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=1)
        array([4., 3.])
    """
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.min`` over ``axis``; tied minima share the gradient equally.

    Examples:
        >>> min(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0)
        array([1., 2.])
    """
    return np.min(x, axis=axis, keepdims=keepdims)


max = primitive(_max, "max")
min = primitive(_min, "min")
amax = max
amin = min


def _prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.prod`` over ``axis``; its gradient divides by ``x``, so keep ``x`` free of zeros.

    Examples:
        >>> float(prod(np.array([2.0, 3.0, 4.0])))
        24.0
    """
    return np.prod(x, axis=axis, keepdims=keepdims)


prod = primitive(_prod, "prod")


def _logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.size:
        m = _max_reduce(x, axis, None, None, True)
        # One C reduction tells whether every maximum is finite (an overflowing sum of
        # finite ones only sends the check down the exact path below).
        if not math.isfinite(add_reduce(m, None)):
            m = np.where(_isfinite(m), m, 0)
        out = np.log(add_reduce(np.exp(x - m), axis, None, None, True)) + m
    else:
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else _drop_axes(out, x, axis)


def _drop_axes(out: Any, x: Any, axis: Any) -> Any:
    if axis is None:
        return np.reshape(out, ())[()]
    return np.squeeze(out, axis)[()]


logsumexp = primitive(_logsumexp, "logsumexp")
logsumexp.__doc__ = """``log(sum(exp(x)))`` over ``axis``, stable for large inputs.

    A primitive rather than a composite: its derivative is the softmax, one expression,
    which makes ``log_softmax`` two operations on the tape instead of seven.

    Examples:
        >>> float(logsumexp(np.array([1000.0, 1000.0])))
        1000.6931471805599
    """


def _log_softmax(x: Any, axis: int = -1) -> Any:
    return x - _logsumexp(x, axis, True)


log_softmax = primitive(_log_softmax, "log_softmax")
log_softmax.__doc__ = """``x - logsumexp(x)`` along ``axis``: log-probabilities from logits.

    A primitive: its pullback ``g - softmax(x) * sum(g)`` is what a hand-written
    classifier computes, where the composite would take five operations more.

    Examples:
        >>> np.round(np.exp(log_softmax(np.array([0.0, np.log(3.0)]))), 3)
        array([0.25, 0.75])
    """


def _cumsum(x: Any, axis: Any = None) -> Any:
    """``numpy.cumsum``: running sums along ``axis`` (of the flattened ``x`` by default).

    Examples:
        >>> cumsum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        array([[1., 3.],
               [3., 7.]])
    """
    return np.cumsum(x, axis=axis)


cumsum = primitive(_cumsum, "cumsum")


def _cumprod(x: Any, axis: Any = None) -> Any:
    """``numpy.cumprod``: running products along ``axis`` (of the flattened ``x`` by default).

    Its gradient is exact also where ``x`` has zeros.

    Examples:
        >>> cumprod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        array([[ 1.,  2.],
               [ 3., 12.]])
    """
    return np.cumprod(x, axis=axis)


cumprod = primitive(_cumprod, "cumprod")
