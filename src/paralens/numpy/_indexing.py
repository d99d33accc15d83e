"""Indexing: gathering (``getitem``), scattering (``index_add``) and selecting (``where``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import plain_value, primitive


def _getitem(x: Any, index: Any) -> Any:
    """``x[index]``: basic, slice, boolean and fancy indexing; repeated indices add up in reverse.

    Examples:
        >>> getitem(np.array([1.0, 2.0, 3.0]), [2, 0, 2])
        array([3., 1., 3.])
    """
    return x[index]


getitem = primitive(_getitem, "getitem")


def _index_add(shape_: tuple[int, ...], index: Any, g: Any) -> Any:
    """Scatter-add ``g`` into zeros of ``shape_`` at ``index``: ``getitem`` in reverse.

    Repeated indices accumulate, as the gradient of a gather must.

    Examples:
        >>> index_add((3,), [0, 0, 2], np.array([1.0, 2.0, 5.0]))
        array([3., 0., 5.])
    """
    out = np.zeros(shape_, dtype=np.result_type(g))
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index: Any) -> bool:
    """Whether ``index`` selects each element at most once (ints, slices, None, ...)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) for p in parts)


index_add = primitive(_index_add, "index_add")


def _where(condition: Any, x: Any, y: Any) -> Any:
    return np.where(condition, x, y)


where_selected = primitive(_where, "where")
_NOT_GIVEN: Any = object()


def where(condition: Any, x: Any = _NOT_GIVEN, y: Any = _NOT_GIVEN) -> Any:
    """``numpy.where``: ``x`` where ``condition`` holds, else ``y``; each gets its part.

    With ``condition`` alone, the indices where it holds (``numpy.nonzero``), a plain
    value.

    Raises:
        ValueError: only one of ``x`` and ``y`` is given.

    Examples:
        >>> where(np.array([True, False]), np.array([1.0, 2.0]), 0.0)
        array([1., 0.])
        >>> where(np.array([0.0, 3.0, 0.0, 5.0]) > 1)
        (array([1, 3]),)
    """
    if x is _NOT_GIVEN and y is _NOT_GIVEN:
        return np.where(plain_value(condition))
    if x is _NOT_GIVEN or y is _NOT_GIVEN:
        raise ValueError("where: give both x and y, or neither (for the indices alone)")
    return where_selected(condition, x, y)
