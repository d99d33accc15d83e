"""Differentiable pieces of matrix rules: transposes and triangles of (stacks of) matrices.

Each is a composite of ``paralens.numpy`` operations (a triangle is a product with a
constant mask), so it needs no rule of its own.

Examples:
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> symmetric_from(a, lower=True)
    array([[1., 3.],
           [3., 4.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import paralens.numpy as pnp

__all__ = ["column", "symmetric_from", "transpose", "triangle", "uncolumn"]


def transpose(x: Any) -> Any:
    """The transpose of each matrix in ``x`` (its last two axes swapped)."""
    return pnp.swapaxes(x, -1, -2)


def triangle(x: Any, lower: bool, k: int = 0) -> Any:
    """The lower (or upper) triangle of each matrix in ``x``, from diagonal ``k`` on.

    Examples:
        >>> triangle(np.ones((2, 2)), lower=True)
        array([[1., 0.],
               [1., 1.]])
    """
    ones = np.ones(pnp.shape(x)[-2:])
    return x * (np.tril(ones, k) if lower else np.triu(ones, k))


def symmetric_from(a: Any, lower: bool) -> Any:
    """The symmetric matrix whose lower (or upper) triangle is ``a``'s: what LAPACK reads.

    Its derivative is a gradient's image in the triangle read: below the diagonal each
    entry carries its mirror image's share too, and the other triangle gets zero.
    """
    return triangle(a, lower) + transpose(triangle(a, lower, -1 if lower else 1))


def column(b: Any) -> Any:
    """``b`` as a matrix of one column when it is a vector (as SciPy's solvers read it)."""
    return pnp.expand_dims(b, -1) if pnp.ndim(b) == 1 else b


def uncolumn(x: Any, b: Any) -> Any:
    """Undo ``column``: ``x`` as a vector again when ``b`` was one."""
    return pnp.squeeze(x, -1) if pnp.ndim(b) == 1 else x
