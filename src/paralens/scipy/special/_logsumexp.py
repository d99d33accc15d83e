"""``logsumexp`` with weights and signs, and the softmax functions built on it.

For ``r = log |sum(b * exp(a))|`` and ``s`` the sign of the sum, the derivatives are
``dr/da = s * b * exp(a - r)`` and ``dr/db = s * exp(a - r)``: the softmax weights, read
off the answer without forming ``exp(a)`` (which would overflow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sc

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._elementwise import plain

__all__ = ["log_softmax", "logsumexp", "softmax"]


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return tuple(sorted(int(i) % ndim for i in axes)) if ndim else ()


def _expand(r: Any, axis: Any, keepdims: bool, ndim: int) -> Any:
    """A reduced value reshaped to broadcast against the unreduced operand."""
    if keepdims or ndim == 0:
        return r
    return pnp.expand_dims(r, _axes(axis, ndim))


def _sum(x: Any, axis: Any, keepdims: bool) -> Any:
    return pnp.sum(x, axis=axis, keepdims=keepdims)


def _logsumexp_value(
    a: Any, b: Any, axis: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    out = sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
    return out[0] if return_sign else out


_logsumexp = primitive(_logsumexp_value, "logsumexp")


def _softmax_weights(ans: Any, a: Any, b: Any, axis: Any, keepdims: bool, return_sign: bool) -> Any:
    """``s * exp(a - r)``, shaped like the broadcast of ``a`` and ``b``."""
    ndim = max(pnp.ndim(a), pnp.ndim(b) if b is not None else 0)
    weights = pnp.exp(a - _expand(ans, axis, keepdims, ndim))
    if return_sign:
        if np.iscomplexobj(plain(a)) or np.iscomplexobj(plain(b)):
            raise NotImplementedError(
                "logsumexp: the derivative of log|sum| with return_sign=True is not "
                "implemented at complex arguments; call it with return_sign=False"
            )
        sign = sc.logsumexp(plain(a), axis, plain(b), keepdims, return_sign=True)[1]
        weights = weights * _expand(sign, axis, keepdims, ndim)
    return weights


def _logsumexp_vjp_a(ans: Any, a: Any, b: Any, **kwargs: Any) -> Callable[[Any], Any]:
    axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
    weights = _softmax_weights(ans, a, b, axis, keepdims, kwargs.get("return_sign", False))
    if b is not None:
        weights = weights * b
    ndim = pnp.ndim(weights)
    return lambda g: pnp.unbroadcast(_expand(g, axis, keepdims, ndim) * weights, a)


def _logsumexp_vjp_b(ans: Any, a: Any, b: Any, **kwargs: Any) -> Callable[[Any], Any]:
    axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
    weights = _softmax_weights(ans, a, b, axis, keepdims, kwargs.get("return_sign", False))
    ndim = pnp.ndim(weights)
    return lambda g: pnp.unbroadcast(_expand(g, axis, keepdims, ndim) * weights, b)


def _logsumexp_jvp_a(t: Any, ans: Any, a: Any, b: Any, **kwargs: Any) -> Any:
    axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
    weights = _softmax_weights(ans, a, b, axis, keepdims, kwargs.get("return_sign", False))
    if b is not None:
        weights = weights * b
    return _sum(t * weights, axis, keepdims)


def _logsumexp_jvp_b(t: Any, ans: Any, a: Any, b: Any, **kwargs: Any) -> Any:
    axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
    weights = _softmax_weights(ans, a, b, axis, keepdims, kwargs.get("return_sign", False))
    return _sum(t * weights, axis, keepdims)


defvjp(_logsumexp, _logsumexp_vjp_a, _logsumexp_vjp_b)
defjvp(_logsumexp, _logsumexp_jvp_a, _logsumexp_jvp_b)


def logsumexp(
    a: Any,
    axis: Any = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """``log(sum(b * exp(a), axis))`` without overflow, ``scipy.special.logsumexp``.

    Args:
        a: the exponents (real or complex).
        axis: the axis or axes to sum over (all of them by default).
        b: weights broadcasting against ``a``; they may be negative, or zero to leave an
            element out.
        keepdims: keep the summed axes, with length one.
        return_sign: return ``(log |sum|, sign of the sum)``; without it a negative sum
            gives nan, as in SciPy.

    Returns:
        SciPy's result. It is differentiable in ``a`` and ``b``; the sign is not
        differentiated (it is piecewise constant).

    Examples:
        >>> float(logsumexp(np.array([0.0, 0.0])))  # log 2
        0.6931471805599453
        >>> r, s = logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -3.0]), return_sign=True)
        >>> float(r), float(s)
        (0.6931471805599453, -1.0)
    """
    refuse_other_libraries("logsumexp", SCIPY_ONLY, a, b)
    if not isinstance(a, Var) and not isinstance(b, Var):
        return sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
    r = _logsumexp(a, b, axis=axis, keepdims=keepdims, return_sign=return_sign)
    if not return_sign:
        return r
    return r, sc.logsumexp(plain(a), axis, plain(b), keepdims, return_sign=True)[1]


def _softmax_value(x: Any, axis: Any = None) -> Any:
    return sc.softmax(x, axis=axis)


def _log_softmax_value(x: Any, axis: Any = None) -> Any:
    return sc.log_softmax(x, axis=axis)


_softmax = primitive(_softmax_value, "softmax")
_log_softmax = primitive(_log_softmax_value, "log_softmax")


def _softmax_jvp(t: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    return ans * (t - pnp.sum(t * ans, axis=axis, keepdims=True))


def _log_softmax_jvp(t: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    return t - pnp.sum(t * pnp.exp(ans), axis=axis, keepdims=True)


defvjp(_softmax, lambda ans, x, axis=None: lambda g: _softmax_jvp(g, ans, x, axis))
defjvp(_softmax, _softmax_jvp)
defvjp(
    _log_softmax,
    lambda ans, x, axis=None: lambda g: g - pnp.exp(ans) * pnp.sum(g, axis=axis, keepdims=True),
)
defjvp(_log_softmax, _log_softmax_jvp)


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x), axis)``, ``scipy.special.softmax`` (over all of ``x`` by default).

    Its Jacobian is ``diag(s) - s sᵀ`` along the axis, which is symmetric, so one form
    serves both modes.

    Examples:
        >>> softmax(np.array([0.0, 0.0]))
        array([0.5, 0.5])
    """
    return _softmax(x, axis=axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis, keepdims=True)``, ``scipy.special.log_softmax``.

    Examples:
        >>> log_softmax(np.array([0.0, 0.0]))
        array([-0.69314718, -0.69314718])
    """
    return _log_softmax(x, axis=axis)
