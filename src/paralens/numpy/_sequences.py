"""Sequences along an axis: evenly spaced values, differences and numerical derivatives.

``linspace`` with traced endpoints, ``diff`` and ``gradient``: composites with no rules of
their own, computed with the same operations NumPy uses, so traced values equal NumPy's.
On plain arguments each is NumPy's function itself.

    >>> import paralens
    >>> paralens.grad(lambda a: linspace(a, 1.0, 5).sum())(0.0)  # sum of (1 - i/4)
    2.5
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from paralens._core import is_var, plain_value
from paralens._core._backends import on_arrays_of
from paralens.numpy._arranging import normalize_axis
from paralens.numpy._backend import (
    constant_like,
    is_inexact_dtype,
    is_var_or_foreign,
    namespace_of,
    on_library_of,
    result_dtype,
)
from paralens.numpy._composites import astype, concatenate, moveaxis
from paralens.numpy._elementwise import subtract
from paralens.numpy._indexing import getitem
from paralens.numpy._shape import broadcast_to, expand_dims, ndim, reshape, shape

# NumPy's functions, called with NumPy's own arguments (their stubs' overloads are narrower).
_np_linspace: Callable[..., Any] = np.linspace
_np_gradient: Callable[..., Any] = np.gradient

_NO_VALUE: Any = object()


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``numpy.linspace``: ``num`` evenly spaced values from ``start`` to ``stop``.

    Both endpoints may be traced (and arrays, for one sequence per entry).

    Examples:
        >>> linspace(0.0, 1.0, 5)
        array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if not (is_var_or_foreign(start) or is_var_or_foreign(stop)):
        return _np_linspace(start, stop, num, endpoint, retstep, dtype, axis)
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    div = (num - 1) if endpoint else num
    result_type = result_dtype(start, stop, float(num))
    delta = subtract(stop, start)
    extra = (1,) * ndim(delta)
    steps = np.arange(0, num).reshape((-1, *extra))
    if namespace_of(delta) is not None:
        steps = astype(constant_like(steps, delta), result_type)
    else:
        steps = steps.astype(result_type)
    step: Any = np.nan
    if div > 0:
        step = delta / div
        y = step * steps + start
    else:
        y = delta * steps + start
    if endpoint and num > 1:
        last = broadcast_to(on_library_of(stop, delta), shape(delta))
        if result_dtype(last) != result_dtype(y):
            last = astype(last, result_dtype(y))
        y = concatenate([getitem(y, slice(None, -1)), expand_dims(last, 0)], 0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        y = astype(y, dtype)
    return (y, step) if retstep else y


def diff(
    a: Any, n: int = 1, axis: int = -1, prepend: Any = _NO_VALUE, append: Any = _NO_VALUE
) -> Any:
    """``numpy.diff``: the ``n``-th differences along ``axis``.

    Examples:
        >>> diff(np.array([1.0, 4.0, 9.0, 16.0]), 2)
        array([2., 2.])
    """
    if not (is_var_or_foreign(a) or is_var_or_foreign(prepend) or is_var_or_foreign(append)):
        kwargs = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not _NO_VALUE}
        return np.diff(a, n, axis, **kwargs)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n!r}")
    if ndim(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, ndim(a))
    combined = []
    for end in (prepend, a, append):
        if end is _NO_VALUE:
            continue
        if ndim(end) == 0:
            end_shape = list(shape(a))
            end_shape[axis] = 1
            end = broadcast_to(end, tuple(end_shape))
        combined.append(end)
    if len(combined) > 1:
        a = concatenate(combined, axis)
    later = tuple(slice(1, None) if i == axis else slice(None) for i in range(ndim(a)))
    earlier = tuple(slice(None, -1) if i == axis else slice(None) for i in range(ndim(a)))
    for _ in range(n):
        a = a[later] - a[earlier]
    return a


def _along(axis: int, n: int, index: Any) -> tuple[Any, ...]:
    """An index selecting ``index`` along ``axis`` of an array of ``n`` axes."""
    return tuple(index if i == axis else slice(None) for i in range(n))


def _spacings(f: Any, varargs: Sequence[Any], axes: tuple[int, ...]) -> list[Any]:
    """The spacing along each axis: a number, or the differences of given coordinates."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(plain_value(varargs[0])) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("gradient: invalid number of arguments (one spacing per axis)")
    spacings = []
    for axis, distances in zip(axes, varargs, strict=True):
        if np.ndim(plain_value(distances)) == 0:
            spacings.append(distances)
            continue
        if np.ndim(plain_value(distances)) != 1:
            raise ValueError("gradient: distances must be either scalars or 1d")
        if namespace_of(f) is not None:  # coordinates of another library than f's raise
            on_arrays_of("gradient", (plain_value(f), plain_value(distances)))
        if shape(distances)[0] != shape(f)[axis]:
            raise ValueError(
                "gradient: when 1d, distances must match the length of the corresponding dimension"
            )
        if np.issubdtype(np.result_type(plain_value(distances)), np.integer):
            distances = np.asarray(distances, dtype=np.float64)
        differences = diff(distances)
        plain = plain_value(differences)
        spacings.append(differences[0] if (plain == plain[0]).all() else differences)
    return spacings


def _derivative_along(f: Any, axis: int, h: Any, edge_order: int) -> Any:
    """NumPy's ``gradient`` of ``f`` along one axis, for spacing ``h`` (a number or an array)."""
    n = ndim(f)
    if shape(f)[axis] < edge_order + 1:
        raise ValueError(
            "gradient: shape of array too small to calculate a numerical gradient, at least "
            "(edge_order + 1) elements are required"
        )

    def at(index: Any) -> Any:
        return f[_along(axis, n, index)]

    def column(c: Any) -> Any:
        c_shape = [1] * n
        c_shape[axis] = -1
        return reshape(c, tuple(c_shape))

    uniform = ndim(h) == 0
    if uniform:
        interior = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
    else:
        dx1, dx2 = h[0:-1], h[1:]
        a = -(dx2) / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        interior = (
            column(a) * at(slice(None, -2))
            + column(b) * at(slice(1, -1))
            + column(c) * at(slice(2, None))
        )
    if edge_order == 1:
        first = (at(1) - at(0)) / (h if uniform else h[0])
        last = (at(-1) - at(-2)) / (h if uniform else h[-1])
    else:
        if uniform:
            a, b, c = -1.5 / h, 2.0 / h, -0.5 / h
        else:
            dx1, dx2 = h[0], h[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * at(0) + b * at(1) + c * at(2)
        if uniform:
            a, b, c = 0.5 / h, -2.0 / h, 1.5 / h
        else:
            dx1, dx2 = h[-2], h[-1]
            a = (dx2) / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * at(-3) + b * at(-2) + c * at(-1)
    return concatenate([expand_dims(first, axis), interior, expand_dims(last, axis)], axis)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """``numpy.gradient``: central differences inside, one-sided ones at the edges.

    ``varargs`` are spacings as in NumPy: none (1.0), one number for every axis, or one
    number or array of coordinates per axis.

    Examples:
        >>> gradient(np.array([1.0, 4.0, 9.0, 16.0]))
        array([3., 4., 6., 7.])
    """
    if not (is_var_or_foreign(f) or any(map(is_var, varargs))):
        return _np_gradient(f, *varargs, axis=axis, edge_order=edge_order)
    n = ndim(f)
    if axis is None:
        axes = tuple(range(n))
    else:
        axes = tuple(normalize_axis(a, n) for a in ((axis,) if isinstance(axis, int) else axis))
    if len(set(axes)) != len(axes):
        raise ValueError("gradient: repeated axis")
    if edge_order > 2:
        raise ValueError("gradient: 'edge_order' greater than 2 not supported")
    spacings = _spacings(f, varargs, axes)
    out = [_derivative_along(f, a, h, edge_order) for a, h in zip(axes, spacings, strict=True)]
    # NumPy writes each derivative into an array of f's (inexact) dtype.
    dtype = result_dtype(f)
    if not is_inexact_dtype(dtype, f):
        dtype = np.dtype(np.float64) if namespace_of(f) is None else namespace_of(f).float64
    out = [d if result_dtype(d) == dtype else astype(d, dtype) for d in out]
    return out[0] if len(out) == 1 else tuple(out)
