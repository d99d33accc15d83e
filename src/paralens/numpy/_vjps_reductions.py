"""The reverse rules of the reductions and scans: sums, means, extrema, products, cumsums.

A reduction whose derivative is a weight on each entry (``max``, ``min``, ``prod``,
``logsumexp``) is a row of ``WEIGHTED``; both modes read that table (``_jvps.py``).
``cumprod`` and ``prod`` stay exact where ``x`` has zeros. The rules have the one form of
``_vjps.py``, whose helpers they use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import defvjp, plain_value
from paralens.numpy._backend import any_entry, namespace_of
from paralens.numpy._backend import constant_like as constant_of
from paralens.numpy._composites import moveaxis
from paralens.numpy._elementwise import exp
from paralens.numpy._fast import log_softmax_vjp, sum_vjp
from paralens.numpy._indexing import where
from paralens.numpy._reductions import (
    count,
    cumprod,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    prod,
    sum,
)
from paralens.numpy._shape import expand_dims, flip, keep_axes, ndim, reshape, shape, transpose
from paralens.numpy._vjps import indicator, result_type


def extremum_mask(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Where ``x`` attains its max (min): the gradient is shared equally among them."""
    hits = indicator(x == keep_axes(ans, x, axis, keepdims), x)
    return hits / sum(hits, axis, True)


def prod_others(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The product of the other entries of each entry's slice, also where ``x`` has zeros.

    Away from zeros it is ``ans / x``. With a zero in ``x``, each entry's product is taken
    with that entry replaced by 1 (quadratic in the slice length, but exact, and written
    in pnp so that it differentiates again).
    """
    if not any_entry(plain_value(x) == 0):
        return keep_axes(ans, x, axis, keepdims) / x
    n_dim = ndim(x)
    axes = tuple(range(n_dim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    reduced = tuple(sorted(a % n_dim for a in axes))
    kept = tuple(a for a in range(n_dim) if a not in reduced)
    full = shape(x)
    kept_shape = tuple(full[a] for a in kept)
    reduced_shape = tuple(full[a] for a in reduced)
    n = int(np.prod(reduced_shape, dtype=int))
    rows = expand_dims(reshape(transpose(x, kept + reduced), (*kept_shape, n)), -2)
    one = 1.0 if namespace_of(x) is not None else np.ones((), dtype=result_type(x))
    others = prod(where(constant_of(np.eye(n, dtype=bool), x), one, rows), -1)
    others = reshape(others, kept_shape + reduced_shape)
    return transpose(others, tuple(int(i) for i in np.argsort(kept + reduced)))


def softmax_of(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The derivative of ``logsumexp``: the softmax of ``x`` along ``axis``."""
    return exp(x - keep_axes(ans, x, axis, keepdims))


# A reduction whose derivative is ``weights(ans, x, axis, keepdims)``: its reverse rule
# spreads ``g`` back over the reduced axes times the weights.
WEIGHTED = (
    (max, extremum_mask),
    (min, extremum_mask),
    (prod, prod_others),
    (logsumexp, softmax_of),
)


def _weighted(weights: Callable[..., Any]) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return keep_axes(g, x, axis, keepdims) * weights(ans, x, axis, keepdims)

    return rule


for _reduction, _weights in WEIGHTED:
    defvjp(_reduction, _weighted(_weights), saves=(0, 1, 2, "ans"), staged=False)


def _mean_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return sum_vjp(g / count(shape(x), axis), ans, x, axis, keepdims)


def _cumsum_vjp(g: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    if axis is None:
        return reshape(flip(cumsum(flip(g, 0)), 0), shape(x))
    return flip(cumsum(flip(g, axis), axis), axis)


defvjp(sum, sum_vjp, saves=(1, 2), staged=False)
defvjp(mean, _mean_vjp, saves=(1, 2), staged=False)
defvjp(log_softmax, log_softmax_vjp, saves=(1, "ans"), staged=False)
defvjp(cumsum, _cumsum_vjp, saves=(1,), staged=False)


# ---- Cumulative products ------------------------------------------------------------------


def cumprod_others(x: Any) -> Any:
    """``c[..., j, i]``: the product of ``x[..., k]`` for ``k <= i``, ``k != j``, where ``i >= j``.

    The derivative of ``cumprod`` along the last axis, exact where ``x`` has zeros
    (quadratic in the axis length, so taken only then; written in pnp, so that it
    differentiates again).
    """
    n = shape(x)[-1]
    if namespace_of(x) is not None:
        rows = where(constant_of(np.eye(n, dtype=bool), x), 1.0, expand_dims(x, -2))
        upper = constant_of(np.triu(np.ones((n, n), dtype=bool)), x)
        return where(upper, cumprod(rows, -1), 0.0)
    dtype = result_type(x)
    rows = where(np.eye(n, dtype=bool), np.ones((), dtype), expand_dims(x, -2))
    return cumprod(rows, -1) * np.triu(np.ones((n, n), dtype))


def scanned_last(x: Any, axis: Any) -> Any:
    """``x`` with the axis ``cumprod`` scans moved last (flattened when ``axis`` is None)."""
    return reshape(x, (-1,)) if axis is None else moveaxis(x, axis, -1)


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    if not any_entry(plain_value(x) == 0):
        out = flip(cumsum(flip(scanned_last(g * ans, axis), -1), -1), -1) / scanned_last(x, axis)
    else:
        others = cumprod_others(scanned_last(x, axis))
        out = sum(others * expand_dims(scanned_last(g, axis), -2), -1)
    return reshape(out, shape(x)) if axis is None else moveaxis(out, -1, axis)


defvjp(cumprod, _cumprod_vjp, saves=(0, 1, "ans"), staged=False)
