"""Joining and splitting: the ``*stack`` family, ``atleast_*d``, ``append``, ``r_``, ``c_``,
``array_split`` and the ``*split`` family.

Composites over ``reshape``, ``concatenate`` and slicing, written as NumPy writes them,
with no rules of their own. On plain arguments each is NumPy's function itself.

    >>> import paralens
    >>> paralens.grad(lambda x: vstack([x, 2 * x]).sum())(np.ones(2))
    array([3., 3.])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from paralens.numpy._arranging import normalize_axis
from paralens.numpy._backend import (
    constant_like,
    is_var_or_foreign,
    library_to_numpy_dtype,
    namespace_of,
    result_dtype,
)
from paralens.numpy._composites import astype, concatenate, ravel
from paralens.numpy._creation import asarray
from paralens.numpy._shape import ndim, reshape, shape, transpose


def _traced_in(values: Any) -> bool:
    """Whether ``values`` (a value or a sequence of them) holds a traced value."""
    if isinstance(values, (list, tuple)):
        return any(_traced_in(v) for v in values)
    return is_var_or_foreign(values)


def _array_of(x: Any) -> Any:
    """``x`` as an array: a traced value as it is, a sequence through ``pnp.asarray``."""
    return asarray(x) if isinstance(x, (list, tuple)) else x


def _at_least(numpy_function: Any, arys: tuple[Any, ...]) -> Any:
    """``numpy_function`` (an ``atleast_*d``) on traced values, as reshapes.

    The new shapes are NumPy's own, read from arrays of the old shapes that hold no memory.
    """
    arrays = [_array_of(a) for a in arys]
    if not _traced_in(arrays):
        return numpy_function(*arrays)
    shapes = [np.broadcast_to(np.empty(()), shape(a)) for a in arrays]
    new = numpy_function(*shapes)
    if len(arrays) == 1:
        return reshape(arrays[0], new.shape)
    return type(new)(reshape(a, n.shape) for a, n in zip(arrays, new, strict=True))


def atleast_1d(*arys: Any) -> Any:
    """``numpy.atleast_1d``: each argument with at least one axis.

    Examples:
        >>> atleast_1d(1.5)
        array([1.5])
    """
    return _at_least(np.atleast_1d, arys)


def atleast_2d(*arys: Any) -> Any:
    """``numpy.atleast_2d``: each argument with at least two axes (new ones in front).

    Examples:
        >>> atleast_2d(np.ones(2)).shape
        (1, 2)
    """
    return _at_least(np.atleast_2d, arys)


def atleast_3d(*arys: Any) -> Any:
    """``numpy.atleast_3d``: each argument with at least three axes.

    Examples:
        >>> atleast_3d(np.ones(2)).shape
        (1, 2, 1)
    """
    return _at_least(np.atleast_3d, arys)


def _as_tuple(arrays: Any) -> tuple[Any, ...]:
    return arrays if isinstance(arrays, tuple) else (arrays,)


def vstack(tup: Sequence[Any]) -> Any:
    """``numpy.vstack``: arrays joined along the first axis (1-D ones as rows).

    Examples:
        >>> vstack([np.ones(2), np.zeros(2)])
        array([[1., 1.],
               [0., 0.]])
    """
    if not _traced_in(tup):
        return np.vstack(tup)
    return concatenate(_as_tuple(atleast_2d(*tup)), 0)


row_stack = vstack


def hstack(tup: Sequence[Any]) -> Any:
    """``numpy.hstack``: arrays joined along the second axis (the first, for 1-D ones).

    Examples:
        >>> hstack([np.ones(2), np.zeros(1)])
        array([1., 1., 0.])
    """
    if not _traced_in(tup):
        return np.hstack(tup)
    arrays = _as_tuple(atleast_1d(*tup))
    return concatenate(arrays, 0 if arrays and ndim(arrays[0]) == 1 else 1)


def dstack(tup: Sequence[Any]) -> Any:
    """``numpy.dstack``: arrays joined along the third axis.

    Examples:
        >>> dstack([np.ones(2), np.zeros(2)]).shape
        (1, 2, 2)
    """
    if not _traced_in(tup):
        return np.dstack(tup)
    return concatenate(_as_tuple(atleast_3d(*tup)), 2)


def column_stack(tup: Sequence[Any]) -> Any:
    """``numpy.column_stack``: 1-D arrays as columns, joined along the second axis.

    Examples:
        >>> column_stack([np.ones(2), np.zeros(2)])
        array([[1., 0.],
               [1., 0.]])
    """
    if not _traced_in(tup):
        return np.column_stack(tup)
    columns = []
    for v in tup:
        a = _array_of(v)
        columns.append(transpose(atleast_2d(a)) if ndim(a) < 2 else a)
    return concatenate(columns, 1)


def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``numpy.append``: ``values`` joined to the end of ``arr`` (both flattened by default).

    Examples:
        >>> append(np.ones(2), 5.0)
        array([1., 1., 5.])
    """
    if not (_traced_in(arr) or _traced_in(values)):
        return np.append(arr, values, axis)
    arr, values = _array_of(arr), _array_of(values)
    if axis is None:
        if ndim(arr) != 1:
            arr = ravel(arr)
        values = ravel(values)
        axis = ndim(arr) - 1
    return concatenate((arr, values), axis)


class _Concatenator:
    """``r_`` and ``c_``: NumPy's index tricks, on traced values as one ``concatenate``."""

    def __init__(self, plain: Any, axis: int, name: str) -> None:
        self.plain = plain
        self.axis = axis
        self.name = name

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not _traced_in(list(items)):
            return self.plain[key]
        if any(isinstance(item, str) for item in items):
            raise ValueError(
                f"pnp.{self.name} takes no directive strings with traced values; join them "
                f"with pnp.concatenate or pnp.stack"
            )
        parts = [self.plain[item] if isinstance(item, slice) else item for item in items]
        like = next((p for p in parts if namespace_of(p) is not None), None)
        if like is not None:
            # Beside another library's arrays, the ranges and numbers it makes are its too.
            kind = np.asarray(library_to_numpy_dtype(like))
            parts = [
                constant_like(np.asarray(p, np.result_type(np.asarray(p), kind)), like)
                if isinstance(item, slice) or type(p) in (bool, int, float, complex)
                else p
                for p, item in zip(parts, items, strict=True)
            ]
        dtype = result_dtype(*parts)
        parts = [self._part(p, dtype) for p in parts]
        return concatenate(parts, self.axis)

    def _part(self, item: Any, dtype: Any) -> Any:
        item = _array_of(item)
        if result_dtype(item) != dtype:
            item = astype(item, dtype) if is_var_or_foreign(item) else np.asarray(item, dtype)
        if self.axis == 0:
            return atleast_1d(item)
        if ndim(item) == 0:
            return reshape(item, (1, 1))
        return reshape(item, (-1, 1)) if ndim(item) == 1 else item


r_ = _Concatenator(np.r_, 0, "r_")
c_ = _Concatenator(np.c_, -1, "c_")


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``numpy.array_split``: ``ary`` in pieces along ``axis``, of nearly equal lengths.

    Examples:
        >>> array_split(np.arange(5.0), 2)
        [array([0., 1., 2.]), array([3., 4.])]
    """
    if not is_var_or_foreign(ary):
        return np.array_split(ary, indices_or_sections, axis)
    n = shape(ary)[normalize_axis(axis, ndim(ary))]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("array_split: number sections must be larger than 0")
        each, extras = divmod(n, sections)
        sizes = [0] + extras * [each + 1] + (sections - extras) * [each]
        bounds = list(itertools.accumulate(sizes))
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * ndim(ary)
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        index[axis] = slice(lo, hi)
        pieces.append(ary[tuple(index)])
    return pieces


def _split_along(name: str, axis: int, least: int, ary: Any, indices_or_sections: Any) -> list[Any]:
    if ndim(ary) < least:
        raise ValueError(f"{name} only works on arrays of {least} or more dimensions")
    if isinstance(indices_or_sections, (int, np.integer)):
        n = shape(ary)[axis]
        if n % indices_or_sections:
            raise ValueError(f"{name}: array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.hsplit``: ``split`` along the second axis (the first, for 1-D arrays).

    Examples:
        >>> hsplit(np.ones((2, 4)), 2)[0].shape
        (2, 2)
    """
    if not is_var_or_foreign(ary):
        return np.hsplit(ary, indices_or_sections)
    axis = 1 if ndim(ary) > 1 else 0
    return _split_along("hsplit", axis, 1, ary, indices_or_sections)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.vsplit``: ``split`` along the first axis of an array of two or more axes.

    Examples:
        >>> vsplit(np.ones((4, 2)), [1])[1].shape
        (3, 2)
    """
    if not is_var_or_foreign(ary):
        return np.vsplit(ary, indices_or_sections)
    return _split_along("vsplit", 0, 2, ary, indices_or_sections)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.dsplit``: ``split`` along the third axis of an array of three or more axes.

    Examples:
        >>> dsplit(np.ones((1, 1, 4)), 2)[0].shape
        (1, 1, 2)
    """
    if not is_var_or_foreign(ary):
        return np.dsplit(ary, indices_or_sections)
    return _split_along("dsplit", 2, 3, ary, indices_or_sections)
