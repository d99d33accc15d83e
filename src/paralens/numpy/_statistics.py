"""Statistics over axes beside ``mean`` and ``var``: weighted averages, NaN-skipping sums
and means, and the peak-to-peak range.

Composites, with no rules of their own, computed as NumPy computes them. On plain
arguments each is NumPy's function itself.

    >>> import paralens
    >>> paralens.grad(lambda x: nansum(3.0 * x))(np.array([1.0, np.nan, 3.0]))
    array([3., 0., 3.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens.numpy._backend import any_entry, is_var_or_foreign
from paralens.numpy._complex import real
from paralens.numpy._composites import swapaxes
from paralens.numpy._elementwise import multiply
from paralens.numpy._indexing import where_selected
from paralens.numpy._logic import isnan, logical_not
from paralens.numpy._reductions import max, mean, min, sum
from paralens.numpy._shape import broadcast_to, ndim, shape
from paralens.numpy._vjps import indicator

# NumPy's functions, called with NumPy's own arguments (their stubs' overloads are narrower).
_np_average: Callable[..., Any] = np.average


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: bool = False
) -> Any:
    """``numpy.average``: the mean of ``a`` over ``axis``, weighted by ``weights``.

    ``a`` and ``weights`` may both be traced. With ``returned=True`` also the sum of the
    weights, broadcast to the average's shape.

    Raises:
        ValueError: 1-D weights without an axis, or weights of a length other than the
            axis's; ``ZeroDivisionError``: weights that sum to zero.

    Examples:
        >>> float(average(np.array([1.0, 2.0, 4.0]), weights=np.array([2.0, 1.0, 1.0])))
        2.0
    """
    if not (is_var_or_foreign(a) or is_var_or_foreign(weights)):
        return _np_average(a, axis, weights, returned, keepdims=keepdims)
    if weights is None:
        avg = mean(a, axis, keepdims)
        if not returned:
            return avg
        # The count of each average, a plain value as NumPy gives it.
        return avg, _np_average(plain_value(a), axis, None, True, keepdims=keepdims)[1]
    if shape(a) != shape(weights):
        if axis is None:
            raise TypeError("average: axis must be specified when shapes of a and weights differ")
        if ndim(weights) != 1:
            raise TypeError("average: 1D weights expected when shapes of a and weights differ")
        if shape(weights)[0] != shape(a)[axis]:
            raise ValueError("average: length of weights differs from that of the axis")
        weights = swapaxes(broadcast_to(weights, (1,) * (ndim(a) - 1) + shape(weights)), -1, axis)
    scale = sum(weights, axis, keepdims)
    if any_entry(plain_value(scale) == 0.0):
        raise ZeroDivisionError("average: weights sum to zero, can't be normalized")
    avg = sum(multiply(a, weights), axis, keepdims) / scale
    if returned:
        return avg, broadcast_to(scale, shape(avg)) if shape(scale) != shape(avg) else scale
    return avg


def nansum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.nansum``: the sum over ``axis`` with NaNs taken as zero (their gradient is 0).

    Examples:
        >>> float(nansum(np.array([1.0, np.nan, 2.0])))
        3.0
    """
    if not is_var_or_foreign(a):
        return np.nansum(a, axis=axis, keepdims=keepdims)
    return sum(where_selected(isnan(plain_value(a)), 0, a), axis, keepdims)


def nanmean(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.nanmean``: the mean over ``axis`` of the entries that are not NaN.

    Examples:
        >>> float(nanmean(np.array([1.0, np.nan, 2.0])))
        1.5
    """
    if not is_var_or_foreign(a):
        return np.nanmean(a, axis=axis, keepdims=keepdims)
    missing = isnan(a)
    total = sum(where_selected(missing, 0, a), axis, keepdims)
    # The count in the real type of the total, which NumPy keeps.
    present = sum(indicator(logical_not(missing), real(total)), axis, keepdims)
    return total / plain_value(present)


def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.ptp``: the range, maximum minus minimum, over ``axis``.

    Examples:
        >>> float(ptp(np.array([3.0, -1.0, 2.0])))
        4.0
    """
    if not is_var_or_foreign(a):
        return np.ptp(a, axis=axis, keepdims=keepdims)
    return max(a, axis, keepdims) - min(a, axis, keepdims)
