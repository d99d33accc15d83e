"""NumPy 2's array-API functions of ``numpy.linalg``, made of the primitives and of
``_matrix_functions.py``: ``matrix_norm``, ``vector_norm``, ``svdvals``,
``matrix_transpose``, ``outer``, ``tensordot``, ``matmul``, ``diagonal``, ``trace``,
``vecdot``, ``cross``.

numpy.linalg has them from NumPy 2.0 (``linalg.py`` exports them only there); each is
NumPy's own function on plain arrays and a composition of paralens' functions on traced
values (or another library's arrays), so it differentiates in both modes to any order.

Examples:
    >>> float(vector_norm(np.array([3.0, 4.0])))
    5.0
"""

from __future__ import annotations

import builtins
from typing import Any, cast

import numpy as np

from paralens.numpy._backend_forms_values import (
    on_numpy,
)
from paralens.numpy._composites import astype, moveaxis
from paralens.numpy._composites import outer as composite_outer
from paralens.numpy._composites import tensordot as composite_tensordot
from paralens.numpy._decompositions import svd
from paralens.numpy._indexing import getitem
from paralens.numpy._linalg import matmul
from paralens.numpy._matrix_functions import norm
from paralens.numpy._parts import conjugate, is_complex
from paralens.numpy._reductions import sum
from paralens.numpy._shape import (
    concatenate_arrays,
    expand_dims,
    ndim,
    reshape,
    shape,
    transpose,
)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002
    """``numpy.linalg.matrix_norm``: the matrix norm of each matrix of ``x``
    (``norm(x, ord, axis=(-2, -1))``).

    Examples:
        >>> float(matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]])))
        5.0
    """
    if on_numpy(x):
        return np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:  # noqa: A002
    """``numpy.linalg.vector_norm``: the vector norm over ``axis``, where several axes
    (``None``: all of them, whatever ``x``'s dimension) are read as one vector.

    Examples:
        >>> float(vector_norm(np.array([[1.0, 2.0], [2.0, 4.0]])))
        5.0
    """
    from numpy.lib.array_utils import normalize_axis_tuple  # NumPy 2, as the function is

    if on_numpy(x):
        return np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    nd = ndim(x)
    axes = tuple(range(nd)) if axis is None else normalize_axis_tuple(axis, nd)
    rest = tuple(k for k in range(nd) if k not in axes)
    old = shape(x)
    flat = reshape(transpose(x, (*rest, *axes)), (*(old[k] for k in rest), -1))
    result = norm(flat, ord, axis=-1)
    if keepdims:
        result = reshape(result, tuple(1 if k in axes else old[k] for k in range(nd)))
    return result


def svdvals(x: Any, /) -> Any:
    """``numpy.linalg.svdvals``: the singular values of each matrix of ``x``, descending
    (``svd(x, compute_uv=False)``).

    Examples:
        >>> svdvals(np.array([[0.0, 2.0], [-3.0, 0.0]]))
        array([3., 2.])
    """
    if on_numpy(x):
        return np.linalg.svdvals(x)
    return svd(x, compute_uv=False)


def matrix_transpose(x: Any, /) -> Any:
    """``numpy.linalg.matrix_transpose``: each matrix of ``x`` transposed.

    Raises:
        ValueError: ``x`` has fewer than two dimensions.

    Examples:
        >>> matrix_transpose(np.arange(6.0).reshape(1, 2, 3)).shape
        (1, 3, 2)
    """
    if on_numpy(x):
        return np.linalg.matrix_transpose(x)
    if ndim(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {ndim(x)}")
    return moveaxis(x, -1, -2)


def outer(x1: Any, x2: Any, /) -> Any:
    """``numpy.linalg.outer``: the outer product of two vectors.

    Raises:
        ValueError: an argument is not one-dimensional (``numpy.outer`` flattens them).

    Examples:
        >>> outer(np.array([1.0, 2.0]), np.array([1.0, 0.0, -1.0]))
        array([[ 1.,  0., -1.],
               [ 2.,  0., -2.]])
    """
    if on_numpy(x1, x2):
        return np.linalg.outer(x1, x2)
    if ndim(x1) != 1 or ndim(x2) != 1:
        raise ValueError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={ndim(x1)} and "
            f"x2.ndim={ndim(x2)}."
        )
    return composite_outer(x1, x2)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """``numpy.linalg.tensordot``: ``numpy.tensordot`` with ``axes`` by keyword.

    Examples:
        >>> float(tensordot(np.eye(2), np.eye(2)))
        2.0
    """
    if on_numpy(x1, x2):
        return np.linalg.tensordot(x1, x2, axes=axes)
    return composite_tensordot(x1, x2, axes)


def linalg_matmul(x1: Any, x2: Any, /) -> Any:
    """``numpy.linalg.matmul``: the matrix product (``numpy.matmul``).

    Examples:
        >>> linalg_matmul(np.eye(2), np.array([1.0, 2.0]))
        array([1., 2.])
    """
    return matmul(x1, x2)


def linalg_diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """``numpy.linalg.diagonal``: the diagonal (``offset`` above it, or below for a
    negative one) of each matrix of ``x``.

    Raises:
        ValueError: ``x`` has fewer than two dimensions.

    Examples:
        >>> linalg_diagonal(np.arange(6.0).reshape(2, 3), offset=1)
        array([1., 5.])
    """
    if on_numpy(x):
        return np.linalg.diagonal(x, offset=offset)
    if ndim(x) < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    n, m = shape(x)[-2:]
    length = builtins.max(
        0, builtins.min(n, m - offset) if offset >= 0 else builtins.min(n + offset, m)
    )
    steps = np.arange(length)
    return getitem(x, (..., steps - builtins.min(offset, 0), steps + builtins.max(offset, 0)))


def linalg_trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """``numpy.linalg.trace``: the sum of each matrix's diagonal (``offset`` as in
    ``diagonal``), in ``dtype`` if given.

    Examples:
        >>> linalg_trace(np.arange(8.0).reshape(2, 2, 2))
        array([ 3., 11.])
    """
    if on_numpy(x):
        return np.linalg.trace(x, offset=offset, dtype=dtype)
    total = sum(linalg_diagonal(x, offset=offset), axis=-1)
    return total if dtype is None else astype(total, dtype)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``numpy.linalg.vecdot``: ``sum(conj(x1) * x2)`` over ``axis``, the other axes
    broadcast.

    Raises:
        ValueError: the two lengths along ``axis`` differ (NumPy does not broadcast them).

    Examples:
        >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
        array([-1., -1.])
    """
    if on_numpy(x1, x2):
        return cast(Any, np.linalg.vecdot)(x1, x2, axis=axis)
    n1, n2 = shape(x1)[axis], shape(x2)[axis]
    if n1 != n2:
        raise ValueError(
            f"vecdot: the vectors along axis {axis} have lengths {n1} and {n2}; they must be equal"
        )
    return sum((conjugate(x1) if is_complex(x1) else x1) * x2, axis=axis)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``numpy.linalg.cross``: the cross product of (stacks of) 3-vectors along ``axis``.

    Raises:
        ValueError: the vectors along ``axis`` are not of length 3.

    Examples:
        >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
        array([0., 0., 1.])
    """
    if on_numpy(x1, x2):
        return np.linalg.cross(x1, x2, axis=axis)
    n1, n2 = shape(x1)[axis], shape(x2)[axis]
    if n1 != 3 or n2 != 3:
        raise ValueError(
            f"Both input arrays must be (arrays of) 3-dimensional vectors, but they are "
            f"{n1} and {n2} dimensional instead."
        )
    a, b = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    parts = [
        a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
        a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
        a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0],
    ]
    stacked = concatenate_arrays(-1, *(expand_dims(part, -1) for part in parts))
    return moveaxis(stacked, -1, axis)
