"""The Dirichlet distribution, ``scipy.stats.dirichlet``: differentiable in ``x`` and ``alpha``.

As in SciPy, the components run along the first axis of ``x`` (``(K,)`` for one point,
``(K, N)`` for ``N`` of them), and ``x`` may leave out its last component, which is then
``1 - sum(x)``. With ``x`` complete, ``d logpdf / dx = (alpha - 1) / x`` (the derivative of
the formula; SciPy refuses points off the simplex, so a perturbation should keep the sum);
with the last left out, the derivative through it is included. In ``alpha``:
``log x + digamma(sum(alpha)) - digamma(alpha)``. ``pdf``'s derivatives are ``pdf`` times
those.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy.stats import dirichlet
    >>> paralens.grad(dirichlet.logpdf)(np.array([0.25, 0.75]), np.array([2.0, 4.0]))
    array([4., 4.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import scipy.stats

import paralens.numpy as pnp
from paralens.extend import defjvp, defvjp, primitive
from paralens.scipy.special import digamma

__all__ = ["logpdf", "pdf"]


def _logpdf_value(x: Any, alpha: Any) -> Any:
    return scipy.stats.dirichlet.logpdf(x, alpha)


def _pdf_value(x: Any, alpha: Any) -> Any:
    return scipy.stats.dirichlet.pdf(x, alpha)


_logpdf = primitive(_logpdf_value, "dirichlet.logpdf")
_pdf = primitive(_pdf_value, "dirichlet.pdf")


def _column(alpha: Any, x: Any) -> Any:
    """``alpha`` shaped to broadcast against ``x`` (a column when ``x`` holds N points)."""
    return pnp.expand_dims(alpha, -1) if pnp.ndim(x) == 2 else alpha


def _complete(x: Any, alpha: Any) -> Any:
    if pnp.shape(x)[0] == pnp.shape(alpha)[0]:
        return x
    last = 1.0 - pnp.sum(x, axis=0, keepdims=True)
    return pnp.concatenate([x, last], axis=0)


def _dx(x: Any, alpha: Any) -> Any:
    a = _column(alpha, x)
    if pnp.shape(x)[0] == pnp.shape(alpha)[0]:
        return (a - 1.0) / x
    k = pnp.shape(x)[0]
    last = 1.0 - pnp.sum(x, axis=0, keepdims=True)
    return (a[:k] - 1.0) / x - (a[k:] - 1.0) / last


def _dalpha(x: Any, alpha: Any) -> Any:
    a = _column(alpha, x)
    return pnp.log(_complete(x, alpha)) + digamma(pnp.sum(alpha)) - digamma(a)


def _per_point(v: Any, x: Any) -> Any:
    """A value per point, shaped to broadcast against ``x``'s components."""
    return pnp.expand_dims(v, 0) if pnp.ndim(x) == 2 else v


def _over_points(v: Any, x: Any) -> Any:
    return pnp.sum(v, axis=-1) if pnp.ndim(x) == 2 else v


def _rules(scaled: bool) -> tuple[Callable[..., Any], ...]:
    def factor(ans: Any) -> Any:
        return ans if scaled else 1.0

    def vjp_x(ans: Any, x: Any, alpha: Any) -> Callable[[Any], Any]:
        d = _dx(x, alpha)
        return lambda g: _per_point(g * factor(ans), x) * d

    def vjp_alpha(ans: Any, x: Any, alpha: Any) -> Callable[[Any], Any]:
        d = _dalpha(x, alpha)
        return lambda g: _over_points(_per_point(g * factor(ans), x) * d, x)

    def jvp_x(t: Any, ans: Any, x: Any, alpha: Any) -> Any:
        return factor(ans) * pnp.sum(t * _dx(x, alpha), axis=0)

    def jvp_alpha(t: Any, ans: Any, x: Any, alpha: Any) -> Any:
        return factor(ans) * pnp.sum(_column(t, x) * _dalpha(x, alpha), axis=0)

    return vjp_x, vjp_alpha, jvp_x, jvp_alpha


for _prim, _scaled in ((_logpdf, False), (_pdf, True)):
    _vjp_x, _vjp_alpha, _jvp_x, _jvp_alpha = _rules(_scaled)
    defvjp(_prim, _vjp_x, _vjp_alpha)
    defjvp(_prim, _jvp_x, _jvp_alpha)


def logpdf(x: Any, alpha: Any) -> Any:
    """The log density ``sum((alpha - 1) log x) - log B(alpha)``.

    Examples:
        >>> import numpy as np
        >>> round(float(logpdf(np.array([0.5, 0.5]), np.array([1.0, 1.0]))), 6)
        0.0
    """
    return _logpdf(x, alpha)


def pdf(x: Any, alpha: Any) -> Any:
    """The density ``prod(x**(alpha - 1)) / B(alpha)`` on the simplex.

    Examples:
        >>> import numpy as np
        >>> round(float(pdf(np.array([0.5, 0.5]), np.array([2.0, 2.0]))), 6)
        1.5
    """
    return _pdf(x, alpha)
