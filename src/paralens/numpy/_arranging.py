"""Rearranging entries: rolling, rotating, repeating, tiling, padding, sorting, selecting.

Composites, with no rules of their own. Most of these functions only move entries of
their input (copy, reorder, repeat them): on a traced value each is computed as one
gather, ``ravel(x)[positions]``, where ``positions`` is NumPy's own function applied to
the array of ``x``'s flat positions. The gather's reverse rule scatters back, adding
where an entry was used twice (``tile``, ``repeat``), so every one of them
differentiates the same way, to any order, and gives exactly NumPy's values. On plain
arguments each is NumPy's function itself.

    >>> import paralens
    >>> paralens.grad(lambda x: (tile(x, 3) * np.arange(6.0)).sum())(np.array([1.0, 2.0]))
    array([6., 9.])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens.numpy._backend import (
    is_boolean,
    is_var_or_foreign,
    namespace_of,
    on_library_of,
    result_dtype,
    to_numpy,
)
from paralens.numpy._composites import astype, concatenate, take
from paralens.numpy._creation import argsort
from paralens.numpy._indexing import getitem, where_selected
from paralens.numpy._logic import argpartition
from paralens.numpy._shape import broadcast_to, flip, ndim, reshape, shape, transpose

# NumPy's functions, called with NumPy's own arguments (their stubs' overloads are narrower).
_np_pad: Callable[..., Any] = np.pad
_np_rot90: Callable[..., Any] = np.rot90
_np_partition: Callable[..., Any] = np.partition
_np_argpartition: Callable[..., Any] = np.argpartition


def moved(x: Any, positions_of: Callable[[np.ndarray], np.ndarray]) -> Any:
    """``positions_of(x)`` for a function that only moves entries, as one gather of ``x``.

    Args:
        x: a traced (or plain) array.
        positions_of: a NumPy function of one array that copies, reorders or repeats
            its entries (``lambda a: np.tile(a, 2)``).

    Returns:
        ``positions_of`` applied to ``x``, differentiable in ``x``.

    Examples:
        >>> moved(np.array([[1.0, 2.0], [3.0, 4.0]]), lambda a: _np_rot90(a))
        array([[2., 4.],
               [1., 3.]])
    """
    positions = positions_of(np.arange(int(np.prod(shape(x)))).reshape(shape(x)))
    return getitem(reshape(x, (-1,)), positions)


def normalize_axis(axis: int, n: int) -> int:
    """``axis`` as a position in ``range(n)``; NumPy's ``AxisError`` when it is not one."""
    if not -n <= axis < n:
        raise np.exceptions.AxisError(axis, n)
    return axis % n


# Moving entries.


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """``numpy.roll``: entries shifted along ``axis`` (the flattened array by default).

    Examples:
        >>> roll(np.arange(5.0), 2)
        array([3., 4., 0., 1., 2.])
    """
    if not is_var_or_foreign(a):
        return np.roll(a, shift, axis)
    return moved(a, lambda p: np.roll(p, shift, axis))


def repeat(a: Any, repeats: Any, axis: Any = None) -> Any:
    """``numpy.repeat``: each entry repeated ``repeats`` times along ``axis`` (flattened).

    Examples:
        >>> repeat(np.array([[1.0, 2.0]]), 2, axis=1)
        array([[1., 1., 2., 2.]])
    """
    if not is_var_or_foreign(a):
        return np.repeat(a, repeats, axis)
    return moved(a, lambda p: np.repeat(p, repeats, axis))


def tile(A: Any, reps: Any) -> Any:
    """``numpy.tile``: ``A`` repeated ``reps`` times along each axis.

    Examples:
        >>> tile(np.array([1.0, 2.0]), (2, 2))
        array([[1., 2., 1., 2.],
               [1., 2., 1., 2.]])
    """
    if not is_var_or_foreign(A):
        return np.tile(A, reps)
    return moved(A, lambda p: np.tile(p, reps))


_GATHERED_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``numpy.pad`` in the modes ``constant``, ``edge``, ``reflect``, ``symmetric``, ``wrap``.

    In ``constant`` mode the values put in (``constant_values``, which may be traced)
    get the gradient of the entries they fill. ``reflect`` and ``symmetric`` take NumPy's
    default ``reflect_type="even"`` (the ``"odd"`` one computes new values, not copies).

    Raises:
        NotImplementedError: another mode, or ``reflect_type="odd"``, on a traced array.

    Examples:
        >>> pad(np.array([1.0, 2.0]), (1, 2), constant_values=9.0)
        array([9., 1., 2., 9., 9.])
        >>> pad(np.array([1.0, 2.0]), 1, mode="reflect")
        array([2., 1., 2., 1.])
    """
    if not (is_var_or_foreign(array) or is_var_or_foreign(kwargs.get("constant_values"))):
        return _np_pad(array, pad_width, mode=mode, **kwargs)
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError(
            f"pnp.pad of a traced array takes reflect_type='even' only, got "
            f"{kwargs['reflect_type']!r}: build the odd reflection with pnp arithmetic (2 * edge "
            f"- mirrored entries) and pnp.concatenate"
        )
    if mode in _GATHERED_MODES:
        return moved(array, lambda p: _np_pad(p, pad_width, mode=mode, **kwargs))
    if mode != "constant":
        modes = ", ".join(map(repr, ("constant", *_GATHERED_MODES)))
        raise NotImplementedError(
            f"pnp.pad differentiates the modes {modes}; got mode={mode!r}. Compute the "
            f"padding values with pnp functions and pnp.concatenate them"
        )
    n = ndim(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (n, 2))
    values = kwargs.pop("constant_values", 0)
    if kwargs:
        raise TypeError(f"pad: mode 'constant' takes only constant_values, got {sorted(kwargs)}")
    dtype = result_dtype(array)
    if not is_var_or_foreign(values):
        values = np.broadcast_to(np.asarray(values), (n, 2))
    elif ndim(values) != 0:
        raise ValueError("pad: traced constant_values must be one number for every side")
    out = array
    # Axis by axis, as NumPy pads: the corners take the values of the last axis.
    for axis in range(n):
        sides = []
        for side in (0, 1):
            side_shape = list(shape(out))
            side_shape[axis] = int(widths[axis, side])
            value = values if is_var_or_foreign(values) else values[axis, side].item()
            value = on_library_of(value, array)
            block = broadcast_to(value, tuple(side_shape))
            if result_dtype(block) != dtype:
                block = astype(block, dtype)
            sides.append(block)
        out = concatenate([sides[0], out, sides[1]], axis)
    return out


# Reordering axes and entries.


def fliplr(m: Any) -> Any:
    """``numpy.fliplr``: the entries of each row in reverse order (``m`` at least 2-D).

    Examples:
        >>> fliplr(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([[2., 1.],
               [4., 3.]])
    """
    if ndim(m) < 2:
        raise ValueError("fliplr: input must be >= 2-d")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """``numpy.flipud``: the rows in reverse order (``m`` at least 1-D).

    Examples:
        >>> flipud(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([[3., 4.],
               [1., 2.]])
    """
    if ndim(m) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return flip(m, 0)


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """``numpy.rot90``: ``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``.

    Examples:
        >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([[2., 4.],
               [1., 3.]])
    """
    if not is_var_or_foreign(m):
        return _np_rot90(m, k, axes)
    # NumPy's own checks of the axes, on an array of m's shape that holds no memory.
    _np_rot90(np.broadcast_to(np.empty(()), shape(m)), k, axes)
    axes = tuple(axes)
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(ndim(m)))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), tuple(order))
    return flip(transpose(m, tuple(order)), axes[1])


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``numpy.rollaxis``: ``axis`` moved to lie before ``start`` (prefer ``moveaxis``).

    Examples:
        >>> rollaxis(np.ones((2, 3, 4)), 2).shape
        (4, 2, 3)
    """
    n = ndim(a)
    axis = normalize_axis(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in"
        )
    if not is_var_or_foreign(a):
        return np.rollaxis(a, axis, start)
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [i for i in range(n) if i != axis]
    order.insert(start, axis)
    return transpose(a, tuple(order))


# Sorting and selecting.


def take_along_axis(arr: Any, indices: Any, axis: Any) -> Any:
    """``numpy.take_along_axis``: entries of ``arr`` at ``indices`` along ``axis``.

    Examples:
        >>> x = np.array([[3.0, 1.0], [2.0, 5.0]])
        >>> take_along_axis(x, np.argsort(x, axis=1), axis=1)
        array([[1., 3.],
               [2., 5.]])
    """
    if not is_var_or_foreign(arr):
        return np.take_along_axis(arr, indices, axis)
    # Positions, not data: another library's (argsort's on its arrays) are read as NumPy's.
    indices = np.asarray(to_numpy(plain_value(indices)))
    if axis is None:
        return getitem(reshape(arr, (-1,)), indices)
    n = ndim(arr)
    axis = normalize_axis(axis, n)
    index = []
    for i in range(n):
        if i == axis:
            index.append(indices)
        else:
            along = [1] * n
            along[i] = shape(arr)[i]
            index.append(np.arange(shape(arr)[i]).reshape(along))
    return getitem(arr, tuple(index))


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None) -> Any:
    """``numpy.sort``: a sorted copy of ``a``; each entry's gradient goes back to its place.

    Examples:
        >>> sort(np.array([3.0, 1.0, 2.0]))
        array([1., 2., 3.])
    """
    if not is_var_or_foreign(a):
        return np.sort(a, axis=axis, kind=kind, order=order)
    return take_along_axis(a, argsort(plain_value(a), axis=axis, kind=kind, order=order), axis)


def partition(
    a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """``numpy.partition``: ``a`` rearranged so that its ``kth`` entry is in sorted position.

    Examples:
        >>> partition(np.array([3.0, 4.0, 1.0, 2.0]), 1)[1]
        np.float64(2.0)
    """
    if not is_var_or_foreign(a):
        return _np_partition(a, kth, axis=axis, kind=kind, order=order)
    positions = argpartition(plain_value(a), kth, axis=axis, kind=kind, order=order)
    return take_along_axis(a, positions, axis)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """``numpy.select``: from each choice where its condition holds (the first that does).

    Examples:
        >>> x = np.array([-1.0, 0.5, 2.0])
        >>> select([x < 0, x > 1], [-x, 10 * x], default=0.0)
        array([ 1.,  0., 20.])
    """
    if not (any(map(is_var_or_foreign, choicelist)) or is_var_or_foreign(default)):
        return np.select(condlist, choicelist, default)
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    out = default
    for i, condition in reversed(list(enumerate(condlist))):
        condition = plain_value(condition)
        if namespace_of(condition) is None:
            condition = np.asarray(condition)
        if not is_boolean(condition):
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray")
        out = where_selected(condition, choicelist[i], out)
    return out


def compress(condition: Any, a: Any, axis: Any = None) -> Any:
    """``numpy.compress``: the slices of ``a`` along ``axis`` where ``condition`` is true.

    Examples:
        >>> compress([True, False, True], np.array([1.0, 2.0, 3.0]))
        array([1., 3.])
    """
    if not is_var_or_foreign(a):
        return np.compress(condition, a, axis)
    return take(a, np.flatnonzero(plain_value(condition)), axis)
