"""Diagonals and triangles: ``diagonal``, ``diag``, ``diagflat``, ``trace``, ``tril``, ``triu``.

Composites, with no rules of their own: taking a diagonal is a gather of the flat
positions NumPy's ``diagonal`` reads, and building a matrix from a diagonal is the
scatter that reverses it (``index_add``), so each differentiates the other. On plain
arguments each is NumPy's function itself. ``make_diagonal`` is HIPS autograd's inverse
of ``diagonal`` (NumPy has none).

    >>> import paralens
    >>> paralens.grad(lambda m: trace(m @ m))(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 6.],
           [4., 8.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens.numpy._arranging import moved
from paralens.numpy._backend import constant_like, is_var_or_foreign, namespace_of
from paralens.numpy._indexing import index_add, where_selected
from paralens.numpy._reductions import sum
from paralens.numpy._shape import ndim, reshape, shape


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``numpy.diagonal``: the diagonal of ``a`` in the plane of ``axis1`` and ``axis2``,
    last.

    Examples:
        >>> diagonal(np.arange(9.0).reshape(3, 3), 1)
        array([1., 5.])
    """
    if not is_var_or_foreign(a):
        return np.diagonal(a, offset, axis1, axis2)
    return moved(a, lambda p: np.diagonal(p, offset, axis1, axis2))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``numpy.trace``: the sum of ``a``'s diagonal (of each, for more than two axes).

    Examples:
        >>> float(trace(np.arange(9.0).reshape(3, 3)))
        12.0
    """
    if not is_var_or_foreign(a):
        return np.trace(a, offset, axis1, axis2)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def make_diagonal(D: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The array whose ``diagonal(., offset, axis1, axis2)`` is ``D``, zero elsewhere.

    HIPS autograd's function (NumPy has none): the last axis of ``D`` becomes a diagonal
    in a plane of two new axes at ``axis1`` and ``axis2`` of the answer, its other axes
    keep their order.

    Examples:
        >>> make_diagonal(np.array([1.0, 2.0]), axis1=-1, axis2=-2)
        array([[1., 0.],
               [0., 2.]])
    """
    d_shape = shape(D)
    if not d_shape:
        raise ValueError("make_diagonal needs an array of at least one axis, the diagonal")
    n = ndim(D) + 1
    first, second = sorted((axis1 % n, axis2 % n))
    if first == second:
        raise ValueError(f"make_diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    side = d_shape[-1] + abs(offset)
    out_shape = list(d_shape[:-1])
    out_shape.insert(first, side)
    out_shape.insert(second, side)
    size = int(np.prod(out_shape))
    positions = np.diagonal(np.arange(size).reshape(out_shape), offset, axis1, axis2)
    return reshape(index_add((size,), positions, D), tuple(out_shape))


def diag(v: Any, k: int = 0) -> Any:
    """``numpy.diag``: the ``k``-th diagonal of a matrix, or a matrix with ``v`` on it.

    Raises:
        ValueError: ``v`` has neither one nor two axes.

    Examples:
        >>> diag(np.array([1.0, 2.0]), 1)
        array([[0., 1., 0.],
               [0., 0., 2.],
               [0., 0., 0.]])
    """
    if not is_var_or_foreign(v):
        return np.diag(v, k)
    if ndim(v) == 1:
        return make_diagonal(v, k)
    if ndim(v) == 2:
        return diagonal(v, k)
    raise ValueError("diag: input must be 1- or 2-d")


def diagflat(v: Any, k: int = 0) -> Any:
    """``numpy.diagflat``: a matrix with the flattened ``v`` on its ``k``-th diagonal.

    Examples:
        >>> diagflat(np.array([[1.0], [2.0]]))
        array([[1., 0.],
               [0., 2.]])
    """
    if not is_var_or_foreign(v):
        return np.diagflat(v, k)
    return make_diagonal(reshape(v, (-1,)), k)


def _triangle(m: Any, k: int, lower: bool) -> Any:
    rows, columns = (tuple(shape(m)) * 2)[-2:] if ndim(m) == 1 else tuple(shape(m))[-2:]
    mask = np.tri(rows, columns, k - 1 if not lower else k, dtype=bool)
    if namespace_of(m) is not None:
        return where_selected(constant_like(mask if lower else ~mask, m), m, 0.0)
    dtype = np.result_type(plain_value(m))
    return where_selected(mask if lower else ~mask, m, np.zeros(1, dtype))


def tril(m: Any, k: int = 0) -> Any:
    """``numpy.tril``: ``m`` with the entries above its ``k``-th diagonal set to zero.

    Examples:
        >>> tril(np.ones((2, 2)))
        array([[1., 0.],
               [1., 1.]])
    """
    if not is_var_or_foreign(m):
        return np.tril(m, k)
    return _triangle(m, k, lower=True)


def triu(m: Any, k: int = 0) -> Any:
    """``numpy.triu``: ``m`` with the entries below its ``k``-th diagonal set to zero.

    Examples:
        >>> triu(np.ones((2, 2)))
        array([[1., 1.],
               [0., 1.]])
    """
    if not is_var_or_foreign(m):
        return np.triu(m, k)
    return _triangle(m, k, lower=False)
