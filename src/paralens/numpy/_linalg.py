"""Linear algebra: matrix products, ``einsum``, and the ``numpy.linalg`` functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import plain_value, primitive
from paralens.numpy._backend import constant_like
from paralens.numpy._backend_forms_values import numpy_dtype
from paralens.numpy._reductions import sum
from paralens.numpy._shape import expand_dims, ndim, shape, squeeze


def _matmul(x: Any, y: Any) -> Any:
    """``numpy.matmul`` (the ``@`` operator), batched and broadcasting as in NumPy.

    Examples:
        >>> matmul(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
        array([[11.]])
    """
    return np.matmul(x, y)


matmul = primitive(_matmul, "matmul")


def _einsum(subscripts: str, *operands: Any) -> Any:
    return np.einsum(subscripts, *operands)


# The operands are separate arguments, so that each gets its own gradient.
einsum_operands = primitive(_einsum, "einsum")

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_parts(subscripts: str, n: int) -> tuple[list[str], str]:
    """The input terms and the output term of ``subscripts`` (implicit output made explicit).

    Raises:
        NotImplementedError: the subscripts use an ellipsis.
        ValueError: the subscripts name a number of operands other than ``n``.
    """
    spec = subscripts.replace(" ", "")
    if "..." in spec:
        raise NotImplementedError(
            "pnp.einsum does not differentiate ellipsis subscripts; name the axes"
        )
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    parts = ins.split(",")
    if len(parts) != n:
        raise ValueError(f"einsum: {subscripts!r} names {len(parts)} operands, got {n}")
    return parts, out


def _inv(a: Any) -> Any:
    """``numpy.linalg.inv``: the inverse of (a stack of) square matrices.

    Examples:
        >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
    """
    return np.linalg.inv(a)


inv = primitive(_inv, "inv")


def _solve(a: Any, b: Any) -> Any:
    """``numpy.linalg.solve``: ``x`` with ``a @ x = b``, for ``b`` a vector or a matrix.

    Examples:
        >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0]))
        array([0.5 , 0.25])
    """
    return np.linalg.solve(a, b)


solve = primitive(_solve, "solve")


def _det(a: Any) -> Any:
    """``numpy.linalg.det``: the determinant of (a stack of) square matrices.

    Examples:
        >>> float(det(np.array([[2.0, 1.0], [1.0, 3.0]])))
        5.000000000000001
    """
    return np.linalg.det(a)


det = primitive(_det, "det")
# ``slogdet``'s differentiable half (the sign is piecewise constant); see _composites.py.
logabsdet = primitive(lambda a: np.linalg.slogdet(a)[1], "logabsdet")
# Its other half for a complex matrix, where the sign is the phase det / |det|, which has a
# derivative (rules in _vjps_linalg.py and _jvps_linalg.py).
det_phase = primitive(lambda a: np.linalg.slogdet(a)[0], "det_phase")


# What the rules of solve and det (in _vjps.py and _jvps.py) share.

# NumPy 2 reads b as vectors only when it is 1-D; NumPy 1 when it has one axis fewer than a.
_VECTOR_ONLY_WHEN_1D = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def column(v: Any, a: Any, b: Any) -> Any:
    """``v`` (shaped like ``b`` or the answer) as a matrix of one column when b is a vector."""
    is_vector = ndim(b) == 1 if _VECTOR_ONLY_WHEN_1D else ndim(b) == ndim(a) - 1
    return expand_dims(v, -1) if is_vector else v


def uncolumn(v: Any, a: Any, b: Any) -> Any:
    is_vector = ndim(b) == 1 if _VECTOR_ONLY_WHEN_1D else ndim(b) == ndim(a) - 1
    return squeeze(v, -1) if is_vector else v


def trace_last(m: Any) -> Any:
    """The trace of (each matrix of) ``m`` over its last two axes."""
    eye = np.eye(shape(m)[-1], dtype=numpy_dtype(plain_value(m)))
    return sum(m * constant_like(eye, m), axis=(-2, -1))
