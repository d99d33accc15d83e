"""Shapes: reading them (plain values, never traced) and changing them (primitives)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from paralens._core import plain_value, primitive
from paralens.numpy._backend import on_library_of

# Reading shapes.


def shape(x: Any) -> tuple[int, ...]:
    """``numpy.shape`` of ``x``, traced or not: a plain tuple, never differentiated.

    Examples:
        >>> shape(np.zeros((2, 3)))
        (2, 3)
        >>> shape(1.5)
        ()
    """
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return found
    return np.shape(plain_value(x))


def ndim(x: Any) -> int:
    """``numpy.ndim`` of ``x``, traced or not.

    Examples:
        >>> ndim(np.zeros((2, 3)))
        2
    """
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return len(found)
    return np.ndim(plain_value(x))


def size(x: Any) -> int:
    """``numpy.size`` of ``x``, traced or not.

    Examples:
        >>> size(np.zeros((2, 3)))
        6
    """
    found = getattr(x, "shape", None)
    if found is not None and type(found) is not tuple:  # another library's shape type
        return math.prod(found)
    return int(np.size(plain_value(x)))


_SCALAR_TYPES = (float, int, complex, bool)


def fast_shape(x: Any) -> tuple[int, ...]:
    """``shape(x)``, reading the attribute first: this runs once per rule application, and
    on arrays and scalars that is several times cheaper than ``numpy.shape``."""
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return found
    if type(x) in _SCALAR_TYPES:
        return ()
    return np.shape(plain_value(x))


# Changing shapes.


def _reshape(x: Any, newshape: Any) -> Any:
    """``numpy.reshape``: the same entries in a new shape (``-1`` infers one axis).

    Examples:
        >>> reshape(np.arange(6.0), (2, -1))
        array([[0., 1., 2.],
               [3., 4., 5.]])
    """
    return np.reshape(x, newshape)


reshape = primitive(_reshape, "reshape")


def _expand_dims(x: Any, axis: Any) -> Any:
    """``numpy.expand_dims``: ``x`` with new axes of length 1 at ``axis``.

    Examples:
        >>> expand_dims(np.ones(3), 0).shape
        (1, 3)
    """
    if type(x) is np.ndarray:
        # A reshape: what numpy.expand_dims does, without its Python-level checks.
        axes = (axis,) if isinstance(axis, int) else axis
        n = x.ndim + len(axes)
        axes = sorted(a % n for a in axes)
        dims = iter(x.shape)
        return x.reshape(tuple(1 if i in axes else next(dims) for i in range(n)))
    return np.expand_dims(x, axis)


expand_dims = primitive(_expand_dims, "expand_dims")


def _squeeze(x: Any, axis: Any = None) -> Any:
    """``numpy.squeeze``: ``x`` without its axes of length 1 (those in ``axis``).

    Examples:
        >>> squeeze(np.ones((1, 3, 1))).shape
        (3,)
    """
    return np.squeeze(x, axis)


squeeze = primitive(_squeeze, "squeeze")


def _broadcast_to(x: Any, newshape: Any) -> Any:
    """``numpy.broadcast_to``; in reverse the gradient is summed back by ``unbroadcast``.

    Examples:
        >>> broadcast_to(np.array([1.0, 2.0]), (2, 2))
        array([[1., 2.],
               [1., 2.]])
    """
    return np.broadcast_to(x, newshape)


broadcast_to = primitive(_broadcast_to, "broadcast_to")


def broadcast_like(t: Any, ans: Any) -> Any:
    """Broadcast tangent ``t`` to the shape of ``ans`` (the forward twin of ``unbroadcast``).

    Examples:
        >>> broadcast_like(np.ones(1), np.zeros((2, 2)))
        array([[1., 1.],
               [1., 1.]])
    """
    if fast_shape(t) == fast_shape(ans):
        return t
    return broadcast_to(on_library_of(t, ans), shape(ans))


def _transpose(x: Any, axes: Any = None) -> Any:
    """``numpy.transpose``: axes reversed, or permuted by ``axes``.

    Examples:
        >>> transpose(np.ones((2, 3, 4)), (1, 2, 0)).shape
        (3, 4, 2)
    """
    if type(x) is np.ndarray:
        return x.transpose(axes)
    return np.transpose(x, axes)


transpose = primitive(_transpose, "transpose")


def _flip(x: Any, axis: Any = None) -> Any:
    """``numpy.flip``: the entries of ``x`` in reverse order along ``axis``.

    Examples:
        >>> flip(np.array([1.0, 2.0, 3.0]))
        array([3., 2., 1.])
    """
    return np.flip(x, axis)


flip = primitive(_flip, "flip")


def _concatenate(axis: int, *arrays: Any) -> Any:
    return np.concatenate(arrays, axis=axis)


# The arrays are separate arguments, so that each gets its own gradient; the public
# ``concatenate`` (in _composites.py) takes NumPy's sequence.
concatenate_arrays = primitive(_concatenate, "concatenate")
astype_dtype = primitive(lambda x, dtype: np.asarray(x).astype(dtype), "astype")


def keep_axes(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """A cotangent of a reduction of ``x`` over ``axis``, reshaped to broadcast against ``x``."""
    if keepdims or (axis is None and ndim(g) == 0):
        return g
    axes = (axis,) if isinstance(axis, int) else axis
    if axes is None:
        axes = tuple(range(ndim(x)))
    axes = tuple(a % ndim(x) for a in axes)
    return expand_dims(g, axes)
