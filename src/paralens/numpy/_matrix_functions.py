"""Linear algebra made of the primitives, with no rules of its own: ``norm``, ``cond``,
``matrix_power``, ``multi_dot``, ``tensorinv``, ``tensorsolve``, ``lstsq`` (NumPy 2's
array-API functions of ``numpy.linalg`` are in ``_linalg_array_api.py``).

On plain arrays each is NumPy's own function, so it returns exactly what NumPy returns; on
traced values it takes the steps NumPy takes, with the differentiable functions, so it is
differentiable in both modes to any order.

Examples:
    >>> norm(np.array([3.0, 4.0])), matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    (np.float64(5.0), array([[1., 3.],
           [0., 1.]]))
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from paralens._core import plain_value
from paralens.numpy._backend import constant_like
from paralens.numpy._backend_forms_values import (
    numpy_dtype,
    on_numpy,
    to_host,
)
from paralens.numpy._composites import moveaxis
from paralens.numpy._decompositions import euclidean_norm, pinv, svd
from paralens.numpy._elementwise import abs
from paralens.numpy._linalg import inv, matmul, solve
from paralens.numpy._parts import conjugate, is_complex, real_part
from paralens.numpy._reductions import max, min, sum
from paralens.numpy._shape import (
    astype_dtype,
    ndim,
    reshape,
    shape,
    transpose,
)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """``numpy.linalg.norm``: vector norms (``ord`` a number, ``inf``, ``-inf``, 0) over one
    axis, matrix norms (``"fro"``, ``"nuc"``, 1, -1, 2, -2, ``inf``, ``-inf``) over two.

    Where a norm has a kink (the 2-norm at zero, the max of ties), its derivative is a
    subgradient: 0 at zero, ties share the gradient evenly. ``ord=0`` counts nonzero
    entries and has derivative zero.

    Args:
        x: an array.
        ord: the order, as in NumPy.
        axis: ``None`` (the whole of a vector or a matrix, or of ``x`` flattened with
            ``ord=None``), an axis (vector norms) or two (matrix norms).
        keepdims: keep the reduced axes as axes of size one.

    Returns:
        The norm, an array of the axes not reduced.

    Raises:
        ValueError: an order or axes NumPy refuses, with NumPy's message.

    Examples:
        >>> x = np.array([[1.0, -2.0], [3.0, 4.0]])
        >>> float(norm(x, "nuc")), float(norm(x, 1)), norm(x, np.inf, axis=1)
        (7.0710678118654755, 6.0, array([2., 4.]))
    """
    if on_numpy(x):
        return np.linalg.norm(x, ord, axis, keepdims)
    nd = ndim(x)
    if axis is None and (
        ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1)
    ):
        return euclidean_norm(x, None, keepdims)
    axes = tuple(range(nd)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if len(axes) == 1:
        return _vector_norm(x, ord, int(axes[0]), keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, (int(axes[0]) % nd, int(axes[1]) % nd), keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    if ord is None or ord == 2:
        return euclidean_norm(x, axis, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return max(abs(x), axis, keepdims)
    if ord == -np.inf:
        return min(abs(x), axis, keepdims)
    if ord == 0:  # a count: piecewise constant
        plain = plain_value(x)
        if on_numpy(plain):
            return np.linalg.norm(plain, 0, axis, keepdims)
        real = np.empty(0, numpy_dtype(plain)).real.dtype
        return sum(astype_dtype(plain != 0, real), axis, keepdims)
    if ord == 1:
        return sum(abs(x), axis, keepdims)
    return sum(abs(x) ** ord, axis, keepdims) ** (1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord in (2, -2, "nuc"):
        values = svd(moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        ret = {2: max, -2: min, "nuc": sum}[ord](values, -1)
    elif ord in (1, -1):
        extremum = max if ord == 1 else min
        ret = extremum(sum(abs(x), row), col - 1 if col > row else col)
    elif ord in (np.inf, -np.inf):
        extremum = max if ord == np.inf else min
        ret = extremum(sum(abs(x), col), row - 1 if row > col else row)
    elif ord in (None, "fro", "f"):
        ret = euclidean_norm(x, axes)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        kept = list(shape(x))
        kept[row] = kept[col] = 1
        ret = reshape(ret, tuple(kept))
    return ret


def cond(x: Any, p: Any = None) -> Any:
    """``numpy.linalg.cond``: the condition number of (a stack of) matrices in the norm
    ``p``: the ratio of the extreme singular values for ``p`` None, 2 and -2, else
    ``norm(x, p) * norm(inv(x), p)``.

    Examples:
        >>> float(cond(np.array([[2.0, 0.0], [0.0, 0.5]])))
        4.0
    """
    if on_numpy(x):
        return np.linalg.cond(x, p)
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


def matrix_power(a: Any, n: int) -> Any:
    """``numpy.linalg.matrix_power``: ``a`` to the integer power ``n`` (``n < 0``: of its
    inverse), by repeated squaring, for stacks of square matrices.

    Examples:
        >>> matrix_power(np.array([[2.0, 0.0], [0.0, 3.0]]), -2)
        array([[0.25      , 0.        ],
               [0.        , 0.11111111]])
    """
    if on_numpy(a):
        return np.linalg.matrix_power(a, n)
    n = operator.index(n)
    if n == 0:  # the identity, whatever a is: no derivative
        plain = plain_value(a)
        if on_numpy(plain):
            return np.linalg.matrix_power(plain, 0)
        eye = np.eye(shape(a)[-1], dtype=numpy_dtype(plain))
        return constant_like(np.array(np.broadcast_to(eye, shape(a))), plain)
    if n < 0:
        a, n = inv(a), -n
    if n <= 3:
        result = a
        for _ in range(n - 1):
            result = matmul(result, a)
        return result
    square: Any = None
    result = None
    while n > 0:
        square = a if square is None else matmul(square, square)
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else matmul(result, square)
    return result


def multi_dot(arrays: Sequence[Any]) -> Any:
    """``numpy.linalg.multi_dot``: the product of two or more arrays, the first and the
    last of which may be vectors.

    Raises:
        ValueError: fewer than two arrays, or a middle one that is not a matrix.

    Examples:
        >>> multi_dot([np.ones(2), np.eye(2), np.array([[1.0], [2.0]])])
        array([3.])
    """
    if on_numpy(*arrays):
        return np.linalg.multi_dot(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    first, last = ndim(arrays[0]), ndim(arrays[-1])
    parts = list(arrays)
    if first == 1:
        parts[0] = reshape(parts[0], (1, -1))
    if last == 1:
        parts[-1] = reshape(parts[-1], (-1, 1))
    for i, part in enumerate(parts):
        if ndim(part) != 2:
            raise ValueError(
                f"multi_dot: array {i} has {ndim(part)} dimensions; every array but the first "
                f"and the last must be a matrix"
            )
    result = parts[0]
    for part in parts[1:]:
        result = matmul(result, part)
    if first == 1 and last == 1:
        return result[0, 0]
    if first == 1 or last == 1:
        return reshape(result, (-1,))
    return result


def tensorinv(a: Any, ind: int = 2) -> Any:
    """``numpy.linalg.tensorinv``: the inverse of ``a`` as a linear map from its first
    ``ind`` axes to the others.

    Examples:
        >>> tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
        (2, 2, 4)
    """
    if on_numpy(a):
        return np.linalg.tensorinv(a, ind)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    old = shape(a)
    inverse = inv(reshape(a, (int(np.prod(old[ind:])), -1)))
    return reshape(inverse, old[ind:] + old[:ind])


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """``numpy.linalg.tensorsolve``: ``x`` with ``tensordot(a, x, x.ndim) = b``.

    Raises:
        numpy.linalg.LinAlgError: ``a`` is not square as a map onto ``b``'s shape.

    Examples:
        >>> tensorsolve(2.0 * np.eye(6).reshape(2, 3, 6), np.ones((2, 3))).shape
        (6,)
    """
    if on_numpy(a, b):
        return np.linalg.tensorsolve(a, b, axes)
    n = ndim(a)
    if axes is not None:
        order = [k for k in range(n) if k not in [ax % n for ax in axes]]
        a = transpose(a, (*order, *(ax % n for ax in axes)))
    old = shape(a)[-(n - ndim(b)) :]
    size = int(np.prod(old))
    if int(np.prod(shape(a))) != size**2:
        raise np.linalg.LinAlgError(
            "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == "
            "prod(a.shape[:b.ndim])"
        )
    return reshape(solve(reshape(a, (size, size)), reshape(b, (-1,))), old)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, Any, Any]:
    """``numpy.linalg.lstsq``: the least-squares solution ``x`` of ``a @ x = b``, the sums
    of squared residuals, the rank of ``a`` and its singular values.

    On traced values ``x`` is ``pinv(a, cutoff) @ b`` with NumPy's cutoff (singular values
    below ``rcond`` times the largest count as zero; ``rcond=None``: machine precision
    times ``max(M, N)``), so its derivative is that of a solution of constant rank. The
    residuals are NumPy's: their sums for a full-rank ``a`` with more rows than columns,
    else empty. The rank is an integer (no derivative).

    Raises:
        numpy.linalg.LinAlgError: what NumPy refuses (not a matrix, shapes that differ).

    Examples:
        >>> x, residuals, rank, s = lstsq(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
        ...                               np.array([1.0, 2.0, 3.0]))
        >>> x, residuals, int(rank)
        (array([1., 2.]), array([9.]), 2)
    """
    if on_numpy(a, b):
        return cast(tuple[Any, Any, Any, Any], tuple(np.linalg.lstsq(a, b, rcond=rcond)))
    plain_a, plain_b = plain_value(a), plain_value(b)
    if not on_numpy(plain_a, plain_b):
        return _lstsq_elsewhere(a, b, rcond)
    # NumPy's own checks, and its rank, on the values.
    plain = np.linalg.lstsq(plain_a, plain_b, rcond=rcond)
    rank, residuals = plain[2], plain[1]
    m, n = shape(a)
    eps = float(np.finfo(np.result_type(plain_a, plain_b, 1.0)).eps)
    cutoff = eps * builtins.max(m, n) if rcond is None else eps if rcond < 0 else rcond
    x = matmul(pinv(a, cutoff), b)
    if rank == n and m > n:
        r = b - matmul(a, x)
        squares = real_part(r * conjugate(r)) if is_complex(r) else r * r
        residuals = reshape(sum(squares, axis=0), (-1,))
    return x, residuals, rank, svd(a, compute_uv=False)


def _lstsq_elsewhere(a: Any, b: Any, rcond: Any) -> tuple[Any, Any, Any, Any]:
    """``lstsq`` of another library's arrays, which the standard lacks: NumPy's checks and
    NumPy's steps (its cutoff, the rank it counts, its residuals) with the library's
    ``svd`` and ``pinv``."""
    if ndim(a) != 2:
        raise np.linalg.LinAlgError(
            f"{ndim(a)}-dimensional array given. Array must be two-dimensional"
        )
    m, n = shape(a)
    if ndim(b) not in (1, 2) or shape(b)[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    dtype = np.result_type(numpy_dtype(plain_value(a)), numpy_dtype(plain_value(b)), 1.0)
    eps = float(np.finfo(dtype).eps)
    cutoff = eps * builtins.max(m, n) if rcond is None else eps if rcond < 0 else rcond
    s = svd(a, compute_uv=False)
    values = to_host(plain_value(s))
    rank = int(np.sum(values > cutoff * values.max())) if values.size else 0
    x = matmul(pinv(a, cutoff), b)
    if rank == n and m > n:
        r = b - matmul(a, x)
        squares = real_part(r * conjugate(r)) if is_complex(r) else r * r
        return x, reshape(sum(squares, axis=0), (-1,)), rank, s
    empty = constant_like(np.zeros((0,), dtype=np.finfo(dtype).dtype), plain_value(a))
    return x, empty, rank, s
