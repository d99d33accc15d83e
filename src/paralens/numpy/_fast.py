"""Rules kept in two forms for speed: NumPy directly at first order, pnp for the rest.

Every training step runs these four rules and ``unbroadcast``, on plain arrays: the
reverse pass of a first derivative. There each takes a branch written in NumPy, which
costs a fraction of the same computation through the differentiable functions. Any other
input (a Var, in a higher derivative, or a value NumPy's branch does not cover) takes
the general form beside it, written in ``paralens.numpy`` so that it differentiates
again. The two forms compute the same thing, and ``tests/test_numpy_ops.py`` checks that
they agree on random inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import ShapeOnly
from paralens.numpy._backend import on_library_of
from paralens.numpy._complex import real_part_for
from paralens.numpy._composites import swapaxes
from paralens.numpy._elementwise import exp
from paralens.numpy._linalg import matmul
from paralens.numpy._reductions import add_reduce, sum
from paralens.numpy._shape import (
    broadcast_to,
    expand_dims,
    fast_shape,
    keep_axes,
    ndim,
    reshape,
    shape,
    squeeze,
    transpose,
)

_ARRAYS = (np.ndarray, ShapeOnly)
_FLOAT64_SCALAR = np.float64
_FLOAT32_SCALAR = np.float32
# NumPy's built-in dtypes are singletons: an identity test settles the common cases with
# fewer instructions than reading ``dtype.kind``.
_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)
_PLAIN_FLOATS = (np.ndarray, np.float64, np.float32)
# From this size numpy.broadcast_to's view is cheaper than filling a new array.
_BROADCAST_FROM_SIZE = 4096


def unbroadcast(g: Any, target: Any) -> Any:
    """Sum ``g`` down to the shape of ``target``: the adjoint of broadcasting.

    This is the one place where broadcasting is undone; every rule calls it. A real
    target gets the real part of a complex ``g`` (see ``_complex.py``).

    Examples:
        >>> unbroadcast(np.ones((2, 3)), np.zeros(3))
        array([2., 2., 2.])
        >>> unbroadcast(np.ones((2, 3)), np.zeros((2, 1)))
        array([[3.],
               [3.]])
        >>> unbroadcast(np.array([1 + 2j, 3j]), np.zeros(2))
        array([1., 0.])
    """
    g_shape = getattr(g, "shape", None)
    target_shape = getattr(target, "shape", None)
    if g_shape is not None and g_shape == target_shape:
        # The common case, settled without a Python call; a complex cotangent of a real
        # target (x * 1j) is checked for in the same breath. A NumPy float scalar is
        # settled by its type: its ``dtype`` is a descriptor built on every read.
        cls = type(g)
        if cls is _FLOAT64_SCALAR or cls is _FLOAT32_SCALAR:
            return g
        dtype = g.dtype
        if dtype is _FLOAT64 or dtype is _FLOAT32:
            return g
        # Another library's dtype has no ``kind``: real_part_for asks its namespace.
        return real_part_for(g, target)
    if type(target_shape) is not tuple:
        target_shape = fast_shape(target)
    if type(g_shape) is not tuple:
        g_shape = fast_shape(g)
    if g_shape == target_shape:
        # Scalars: Python floats have no shape to read.
        cls = type(g)
        real = cls is float or cls is _FLOAT64_SCALAR or cls is _FLOAT32_SCALAR
        return g if real else real_part_for(g, target)
    if type(g) is not np.ndarray or g.dtype.kind != "f":
        return unbroadcast_general(g, target)
    lead = len(g_shape) - len(target_shape)
    if lead > 0:
        g = add_reduce(g, 0 if lead == 1 else tuple(range(lead)))
    if 1 not in target_shape:  # a bias: only leading axes were broadcast
        return g
    axes = tuple(i for i, n in enumerate(target_shape) if n == 1 and g.shape[i] != 1)
    return add_reduce(g, axes, None, None, True) if axes else g


def unbroadcast_general(g: Any, target: Any) -> Any:
    """``unbroadcast`` in pnp: for traced cotangents, and values other than float arrays.

    A complex cotangent of a real target gives its real part (see ``_complex.py``).
    """
    g = real_part_for(g, target)
    g_shape, target_shape = fast_shape(g), fast_shape(target)
    if g_shape == target_shape:
        return g
    lead = len(g_shape) - len(target_shape)
    if lead > 0:
        g = sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(target_shape) if n == 1 and shape(g)[i] != 1)
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    return g


def sum_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``sum``'s reverse rule: ``g`` spread back over the summed axes."""
    if type(x) in _ARRAYS and type(g) in _PLAIN_FLOATS:
        kept = g if keepdims else g.reshape(_kept_shape(x.shape, axis))
        if _product(x.shape) >= _BROADCAST_FROM_SIZE:
            return np.broadcast_to(kept, x.shape)
        # Small: filling a new array costs less than numpy.broadcast_to's Python.
        out = np.empty(x.shape, kept.dtype)
        out[...] = kept
        return out
    return sum_vjp_general(g, ans, x, axis, keepdims)


def sum_vjp_general(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return broadcast_to(keep_axes(on_library_of(g, x), x, axis, keepdims), shape(x))


def _product(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def _kept_shape(x_shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape of a reduction of ``x_shape`` over ``axis`` with the axes kept as 1."""
    if axis is None:
        return (1,) * len(x_shape)
    if isinstance(axis, int):  # the common case, without building a set
        kept = list(x_shape)
        kept[axis] = 1
        return tuple(kept)
    axes = {a % len(x_shape) for a in axis}
    return tuple(1 if i in axes else n for i, n in enumerate(x_shape))


def log_softmax_vjp(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    """``log_softmax``'s reverse rule: ``g - softmax(x) * sum(g)`` along ``axis``."""
    if type(g) is np.ndarray and type(ans) is np.ndarray:
        return g - np.exp(ans) * add_reduce(g, axis, None, None, True)
    return log_softmax_vjp_general(g, ans, x, axis)


def log_softmax_vjp_general(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    return g - exp(ans) * sum(g, axis, True)


def matmul_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """``matmul``'s reverse rule for its first argument: ``g @ y.T``, batched."""
    if (
        type(g) is np.ndarray
        and type(y) is np.ndarray
        and g.ndim == y.ndim == 2 == getattr(x, "ndim", None)
    ):
        out = g @ y.T
        dtype = out.dtype
        return out if dtype is _FLOAT64 or dtype is _FLOAT32 else real_part_for(out, x)
    return matmul_vjp_x_general(g, ans, x, y)


def matmul_vjp_x_general(g: Any, ans: Any, x: Any, y: Any) -> Any:
    if ndim(y) == 1:
        return real_part_for(g * y if ndim(x) == 1 else expand_dims(g, -1) * y, x)
    if ndim(x) == 1:
        return unbroadcast(squeeze(matmul(expand_dims(g, -2), swapaxes(y, -1, -2)), -2), x)
    if ndim(y) == 2:
        return unbroadcast(matmul(g, transpose(y)), x)
    return unbroadcast(matmul(g, swapaxes(y, -1, -2)), x)


def matmul_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """``matmul``'s reverse rule for its second argument: ``x.T @ g``, batched."""
    if (
        type(g) is np.ndarray
        and type(x) is np.ndarray
        and g.ndim == x.ndim == 2 == getattr(y, "ndim", None)
    ):
        out = x.T @ g
        dtype = out.dtype
        return out if dtype is _FLOAT64 or dtype is _FLOAT32 else real_part_for(out, y)
    return matmul_vjp_y_general(g, ans, x, y)


def matmul_vjp_y_general(g: Any, ans: Any, x: Any, y: Any) -> Any:
    if ndim(x) == 1:
        if ndim(y) == 1:
            return real_part_for(g * x, y)
        return unbroadcast(expand_dims(x, -1) * expand_dims(g, -2), y)
    if ndim(y) == 1:
        gy = matmul(reshape(g, (1, -1)), reshape(x, (-1, shape(y)[0])))
        return real_part_for(reshape(gy, shape(y)), y)
    if ndim(x) == 2:
        return unbroadcast(matmul(transpose(x), g), y)
    return unbroadcast(matmul(swapaxes(x, -1, -2), g), y)
