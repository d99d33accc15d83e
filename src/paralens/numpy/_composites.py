"""Composite operations: plain Python over the primitives, with no rules of their own.

Each is differentiable because what it calls is; on plain arrays each gives NumPy's
result.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from paralens._ad import stop_gradient
from paralens._core import is_var, plain_value
from paralens.numpy._elementwise import exp, multiply, sqrt
from paralens.numpy._indexing import getitem
from paralens.numpy._linalg import LETTERS, det_phase, einsum_operands, logabsdet, matmul
from paralens.numpy._reductions import count, log_softmax, mean, sum
from paralens.numpy._shape import (
    astype_dtype,
    concatenate_arrays,
    expand_dims,
    ndim,
    reshape,
    shape,
    size,
    transpose,
)

# The one stop_gradient, under the name pnp has always given it.
stop_gradient_array = stop_gradient

# Reductions.


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The variance of ``x`` over ``axis``, with ``ddof`` as in NumPy.

    Examples:
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0])))
        1.25
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
        1.6666666666666667
    """
    centred = x - mean(x, axis, True)
    n = size(x) if axis is None else count(shape(x), axis)
    return sum(centred * centred, axis, keepdims) / (n - ddof)


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The standard deviation of ``x`` over ``axis`` (``sqrt`` of ``var``).

    Examples:
        >>> float(std(np.array([1.0, 3.0])))
        1.0
    """
    return sqrt(var(x, axis, keepdims, ddof))


def softmax(x: Any, axis: int = -1) -> Any:
    """Probabilities from logits along ``axis``, stable for large inputs.

    Examples:
        >>> softmax(np.array([0.0, np.log(3.0)]))
        array([0.25, 0.75])
    """
    return exp(log_softmax(x, axis))


# Shapes.


def ravel(x: Any) -> Any:
    """``x`` flattened to one axis.

    Examples:
        >>> ravel(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([1., 2., 3., 4.])
    """
    return reshape(x, (-1,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """``x`` with two axes exchanged (a ``transpose``).

    Examples:
        >>> swapaxes(np.ones((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    axes = list(range(ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """``x`` with axes ``source`` moved to ``destination`` (ints or sequences; a ``transpose``).

    Examples:
        >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
        >>> moveaxis(np.ones((2, 3, 4)), [0, 1], [-1, -2]).shape
        (4, 3, 2)
    """
    n = ndim(x)
    sources = [source % n] if isinstance(source, int) else [s % n for s in source]
    destinations = (
        [destination % n] if isinstance(destination, int) else [d % n for d in destination]
    )
    if len(sources) != len(destinations):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name the "
            f"same number of axes"
        )
    axes = [i for i in range(n) if i not in sources]
    for d, s in sorted(zip(destinations, sources, strict=True)):
        axes.insert(d, s)
    return transpose(x, tuple(axes))


def concatenate(arrays: Any, axis: int | None = 0) -> Any:
    """Join a sequence of arrays along an existing axis (``None``: flattened first).

    Examples:
        >>> concatenate([np.ones(2), np.zeros(1)])
        array([1., 1., 0.])
        >>> concatenate([np.ones((2, 2)), np.zeros(1)], axis=None)
        array([1., 1., 1., 1., 0.])
    """
    if axis is None:
        return concatenate_arrays(0, *(ravel(a) for a in arrays))
    return concatenate_arrays(axis, *arrays)


def stack(arrays: Any, axis: int = 0) -> Any:
    """Join a sequence of same-shaped arrays along a new axis.

    Examples:
        >>> stack([np.ones(2), np.zeros(2)], axis=1)
        array([[1., 0.],
               [1., 0.]])
    """
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split ``x`` into pieces along ``axis`` (slices of ``x``, each differentiable).

    Examples:
        >>> split(np.arange(4.0), [1, 3])
        [array([0.]), array([1., 2.]), array([3.])]
    """
    n = shape(x)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: {n} entries along axis {axis} do not divide into "
                f"{indices_or_sections} equal sections"
            )
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * ndim(x)
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        index[axis] = slice(lo, hi)
        pieces.append(x[tuple(index)])
    return pieces


def astype(x: Any, dtype: Any) -> Any:
    """``x`` converted to a floating ``dtype``; the cotangent converts back.

    Examples:
        >>> astype(np.array([1.0, 2.0]), np.float32)
        array([1., 2.], dtype=float32)
    """
    return astype_dtype(x, np.dtype(dtype))


# Indexing.


def take(x: Any, indices: Any, axis: Any = None) -> Any:
    """Elements of ``x`` at ``indices`` along ``axis`` (gather; scatter-add in reverse).

    Examples:
        >>> take(np.array([[1.0, 2.0], [3.0, 4.0]]), [1, 1], axis=1)
        array([[2., 2.],
               [4., 4.]])
    """
    if axis is None:
        return getitem(ravel(x), indices)
    index = [slice(None)] * ndim(x)
    index[axis] = indices
    return getitem(x, tuple(index))


# Products.


def dot(x: Any, y: Any) -> Any:
    """``numpy.dot`` (a ``matmul`` or a ``tensordot`` when traced).

    Examples:
        >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
    """
    if not (is_var(x) or is_var(y)):
        return np.dot(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    if ndim(x) <= 2 and ndim(y) <= 2:
        return matmul(x, y)
    return tensordot(x, y, axes=([ndim(x) - 1], [ndim(y) - 2 if ndim(y) > 1 else 0]))


def outer(x: Any, y: Any) -> Any:
    """The outer product of two vectors (flattened first, as in NumPy).

    Examples:
        >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0, 100.0]))
        array([[  1.,  10., 100.],
               [  2.,  20., 200.]])
    """
    return multiply(expand_dims(ravel(x), 1), expand_dims(ravel(y), 0))


def inner(x: Any, y: Any) -> Any:
    """``numpy.inner``: contracts the last axes, the shape is ``x.shape[:-1] + y.shape[:-1]``.

    Examples:
        >>> float(inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
        >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
        (2, 4)
    """
    if not (is_var(x) or is_var(y)):
        return np.inner(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    return tensordot(x, y, axes=([-1], [-1]))


def einsum(subscripts: str, *operands: Any) -> Any:
    """``numpy.einsum`` with explicit (``'ij,jk->ik'``) or implicit subscripts, no ellipsis.

    Examples:
        >>> einsum('ij,j->i', np.eye(2), np.array([5.0, 6.0]))
        array([5., 6.])
        >>> float(einsum('ii', np.array([[1.0, 2.0], [3.0, 4.0]])))
        5.0
    """
    return einsum_operands(subscripts, *operands)


def tensordot(x: Any, y: Any, axes: Any = 2) -> Any:
    """``numpy.tensordot`` (an ``einsum`` when traced).

    Examples:
        >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    if not (is_var(x) or is_var(y)):
        return np.tensordot(x, y, axes)
    nx, ny = ndim(x), ndim(y)
    if isinstance(axes, int):
        ax = list(range(nx - axes, nx))
        ay = list(range(axes))
    else:
        ax = [axes[0]] if isinstance(axes[0], int) else list(axes[0])
        ay = [axes[1]] if isinstance(axes[1], int) else list(axes[1])
    ax = [a % nx for a in ax]
    ay = [a % ny for a in ay]
    letters = iter(LETTERS)
    sx = [next(letters) for _ in range(nx)]
    sy = [next(letters) for _ in range(ny)]
    for a, b in zip(ax, ay, strict=True):
        sy[b] = sx[a]
    out = [c for i, c in enumerate(sx) if i not in ax] + [
        c for i, c in enumerate(sy) if i not in ay
    ]
    return einsum("".join(sx) + "," + "".join(sy) + "->" + "".join(out), x, y)


def slogdet(a: Any) -> tuple[Any, Any]:
    """``(sign, logabsdet)`` as NumPy's ``SlogdetResult``; the sign of a real matrix is
    piecewise constant (no gradient), that of a complex one the phase ``det / |det|``.

    Examples:
        >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
        >>> float(sign), float(logabsdet) == float(np.log(6.0))
        (-1.0, True)
    """
    result = np.linalg.slogdet(plain_value(a))
    if not is_var(a):
        return result
    sign = det_phase(a) if np.iscomplexobj(result[0]) else result[0]
    return type(result)(sign, logabsdet(a))
