"""The forms of ``paralens.numpy``'s primitives on the arrays of other libraries.

Each form computes what the NumPy primitive computes, with the array API namespace ``xp``
of its arguments (see ``_backend.py``). Most elementwise functions have the same name in
the standard, or another name (``arctan2`` is ``atan2``); the rest are written here from
the standard's functions. A primitive with no form here raises, naming itself and the
library, when given another library's array.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from paralens._core._backends import defbackend
from paralens.numpy import (
    _complex,
    _creation,
    _elementwise,
    _indexing,
    _linalg,
    _logic,
    _parts,
    _reductions,
    _shape,
)
from paralens.numpy._backend import dtype_named_in

# NumPy's names of the elementwise functions that the standard has under another name.
_RENAMED = {
    "arccos": "acos",
    "arccosh": "acosh",
    "arcsin": "asin",
    "arcsinh": "asinh",
    "arctan": "atan",
    "arctan2": "atan2",
    "arctanh": "atanh",
    "power": "pow",
    "mod": "remainder",
    "fabs": "abs",
    "true_divide": "divide",
}
_SAME_NAME = (
    *("add", "subtract", "multiply", "divide", "maximum", "minimum", "hypot", "logaddexp"),
    *("negative", "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sin", "cos"),
    *("tan", "tanh", "sinh", "cosh", "reciprocal", "log2", "log10", "floor", "ceil", "trunc"),
    *("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "isfinite"),
    *("isinf", "isnan"),
    "floor_divide",
)


# The elementwise functions that order their arguments (see real_only).
_ORDERS = ("maximum", "minimum", "less", "less_equal", "greater", "greater_equal")


def _named(api_name: str) -> Callable[..., Any]:
    def form(xp: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(xp, api_name)(*args, **kwargs)

    return form


dtype_in = dtype_named_in


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, tuple | list) else (axis,)))


def _reduction(api_name: str) -> Callable[..., Any]:
    def form(xp: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axis = tuple(axis) if isinstance(axis, list) else axis
        return getattr(xp, api_name)(x, axis=axis, keepdims=keepdims)

    return form


def _logsumexp(xp: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axis = tuple(axis) if isinstance(axis, list) else axis
    # Any shift is exact; the largest real part keeps exp from overflowing.
    m = xp.max(xp.real(x) if _is_complex(xp, x) else x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=_axes(axis, x.ndim))


def _is_complex(xp: Any, x: Any) -> bool:
    return hasattr(x, "dtype") and bool(xp.isdtype(x.dtype, "complex floating"))


def real_only(name: str, form: Callable[..., Any]) -> Callable[..., Any]:
    """``form``, refusing complex values: NumPy orders them by real part, then imaginary,
    an order the standard does not define."""

    def ordered(xp: Any, *args: Any, **kwargs: Any) -> Any:
        if any(_is_complex(xp, a) for a in args):
            raise TypeError(
                f"{name} orders complex values as NumPy does (by real part, then "
                f"imaginary part); the array API defines no such order, so {name} of "
                f"complex {xp.__name__} arrays is refused. Order by pnp.real(x) (or "
                f"pnp.abs(x)), or compute on NumPy arrays: paralens.numpy.to_numpy(x)"
            )
        return form(xp, *args, **kwargs)

    return ordered


def _log_softmax(xp: Any, x: Any, axis: int = -1) -> Any:
    return x - _logsumexp(xp, x, axis, True)


def _cumulative(api_name: str) -> Callable[..., Any]:
    def form(xp: Any, x: Any, axis: Any = None) -> Any:
        if axis is None:
            x, axis = xp.reshape(x, (-1,)), 0
        return getattr(xp, api_name)(x, axis=axis)

    return form


def _reshape(xp: Any, x: Any, newshape: Any) -> Any:
    return xp.reshape(x, (newshape,) if isinstance(newshape, int) else tuple(newshape))


def _expand_dims(xp: Any, x: Any, axis: Any) -> Any:
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    ndim = x.ndim + len(axes)
    for a in sorted(a % ndim for a in axes):
        x = xp.expand_dims(x, axis=a)
    return x


def _squeeze(xp: Any, x: Any, axis: Any = None) -> Any:
    if axis is None:
        axis = tuple(i for i, n in enumerate(x.shape) if n == 1)
    return xp.squeeze(x, axis=axis)


def _transpose(xp: Any, x: Any, axes: Any = None) -> Any:
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    return xp.permute_dims(x, axes)


def _flip(xp: Any, x: Any, axis: Any = None) -> Any:
    return xp.flip(x, axis=tuple(axis) if isinstance(axis, list) else axis)


def _concatenate(xp: Any, axis: Any, *arrays: Any) -> Any:
    if axis is None:
        arrays, axis = tuple(xp.reshape(a, (-1,)) for a in arrays), 0
    return xp.concat(arrays, axis=axis)


def _astype(xp: Any, x: Any, dtype: Any) -> Any:
    return xp.astype(x, dtype_in(xp, dtype))


def _broadcast_to(xp: Any, x: Any, newshape: Any) -> Any:
    shape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return xp.broadcast_to(x, shape)


def _clip(xp: Any, x: Any, a_min: Any, a_max: Any) -> Any:
    if a_min is not None:
        x = xp.maximum(x, a_min)
    if a_max is not None:
        x = xp.minimum(x, a_max)
    return x


def _sigmoid(xp: Any, x: Any) -> Any:
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)


def _relu(xp: Any, x: Any) -> Any:
    return xp.maximum(x, xp.zeros_like(x))


def _softplus(xp: Any, x: Any) -> Any:
    return xp.logaddexp(xp.zeros_like(x), x)


def _exp2(xp: Any, x: Any) -> Any:
    return xp.pow(2.0, x)


def _logaddexp2(xp: Any, x: Any, y: Any) -> Any:
    return xp.logaddexp(x * math.log(2.0), y * math.log(2.0)) / math.log(2.0)


def _where(xp: Any, condition: Any, x: Any, y: Any) -> Any:
    if not hasattr(x, "dtype") and not hasattr(y, "dtype"):  # the standard wants an array
        x = xp.asarray(x, device=condition.device)
    return xp.where(condition, x, y)


def _matmul(xp: Any, x: Any, y: Any) -> Any:
    return xp.matmul(x, y)


def _pack(xp: Any, shape: Any, *elements: Any) -> Any:
    arrays = [e for e in elements if hasattr(e, "dtype")]
    numbers = [e for e in elements if not hasattr(e, "dtype")]
    dtype = xp.result_type(*(a.dtype for a in arrays), *numbers)
    device = arrays[0].device
    flat = [
        xp.reshape(e, (-1,)) if hasattr(e, "dtype") else xp.asarray([e], dtype=dtype, device=device)
        for e in elements
    ]
    flat = [f if f.dtype == dtype else xp.astype(f, dtype) for f in flat]
    return xp.reshape(xp.concat(flat, axis=0), tuple(shape))


def _conjugate(xp: Any, x: Any) -> Any:
    return xp.conj(x)


def _cast(xp: Any, x: Any, dtype: Any) -> Any:
    return xp.astype(x, dtype_in(xp, dtype))


def _to_complex(xp: Any, x: Any, dtype: Any) -> Any:
    return xp.astype(x, dtype_in(xp, dtype))


def _zeros_like(xp: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    return xp.zeros_like(x)


def _ones_like(xp: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    return xp.ones_like(x)


def _logical(api_name: str) -> Callable[..., Any]:
    """A logical function, which NumPy takes of numbers too (nonzero is true)."""

    def form(xp: Any, *args: Any) -> Any:
        truths = [a if _is_bool(xp, a) else a != 0 for a in args]
        return getattr(xp, api_name)(*truths)

    return form


def _is_bool(xp: Any, x: Any) -> bool:
    return isinstance(x, bool) or (hasattr(x, "dtype") and bool(xp.isdtype(x.dtype, "bool")))


def _primitive_named(name: str) -> Any:
    found = getattr(_elementwise, name, None)
    return getattr(_logic, name) if found is None else found


def _register() -> None:
    for name in _SAME_NAME:
        form = _named(name)
        defbackend(_primitive_named(name), real_only(name, form) if name in _ORDERS else form)
    for name, api_name in _RENAMED.items():
        defbackend(_primitive_named(name), _named(api_name))
    for name in ("logical_and", "logical_or", "logical_xor", "logical_not"):
        defbackend(getattr(_logic, name), _logical(name))
    forms: dict[Any, Callable[..., Any]] = {
        _elementwise.sigmoid: _sigmoid,
        _elementwise.relu: _relu,
        _elementwise.softplus: _softplus,
        _elementwise.exp2: _exp2,
        _elementwise.logaddexp2: _logaddexp2,
        _elementwise.clip_between: real_only("clip", _clip),
        _elementwise.sign_of_real: _named("sign"),
        _reductions.sum: _reduction("sum"),
        _reductions.mean: _reduction("mean"),
        _reductions.max: real_only("max", _reduction("max")),
        _reductions.min: real_only("min", _reduction("min")),
        _reductions.prod: _reduction("prod"),
        _reductions.logsumexp: _logsumexp,
        _reductions.log_softmax: _log_softmax,
        _reductions.cumsum: _cumulative("cumulative_sum"),
        _reductions.cumprod: _cumulative("cumulative_prod"),
        _shape.reshape: _reshape,
        _shape.expand_dims: _expand_dims,
        _shape.squeeze: _squeeze,
        _shape.transpose: _transpose,
        _shape.flip: _flip,
        _shape.concatenate_arrays: _concatenate,
        _shape.astype_dtype: _astype,
        _shape.broadcast_to: _broadcast_to,
        _indexing.where_selected: _where,
        _linalg.matmul: _matmul,
        _complex.real: _named("real"),
        _complex.conjugate: _conjugate,
        _parts.to_complex: _to_complex,
        _creation.pack: _pack,
        _creation.cast_constant: _cast,
        _creation.zeros_like: _zeros_like,
        _creation.ones_like: _ones_like,
    }
    for fun, form in forms.items():
        defbackend(fun, form)


_register()
