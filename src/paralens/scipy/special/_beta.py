"""The beta function, its logarithm and the regularised incomplete beta function."""

from __future__ import annotations

from typing import Any

import scipy.special as sc

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise, not_implemented
from paralens.scipy.special._gamma import digamma
from paralens.scipy.special._xlogy import xlog1py, xlogy

__all__ = ["beta", "betainc", "betaincc", "betaincinv", "betaln"]

_WHY = "SciPy has no derivative of the incomplete beta function in its shapes"


def _dlog_da(a: Any, b: Any) -> Any:
    return digamma(a) - digamma(a + b)


@elementwise(
    lambda ans, a, b: ans * _dlog_da(a, b),
    lambda ans, a, b: ans * _dlog_da(b, a),
)
def beta(a: Any, b: Any) -> Any:
    """The beta function ``gamma(a) gamma(b) / gamma(a + b)``, ``scipy.special.beta``.

    Its derivative in ``a`` is ``beta(a, b) * (digamma(a) - digamma(a + b))``, and
    likewise in ``b``.

    Examples:
        >>> float(beta(2.0, 3.0))
        0.08333333333333333
    """
    return sc.beta(a, b)


@elementwise(lambda ans, a, b: _dlog_da(a, b), lambda ans, a, b: _dlog_da(b, a))
def betaln(a: Any, b: Any) -> Any:
    """``log |beta(a, b)|``, ``scipy.special.betaln``; derivative ``digamma(a) - digamma(a + b)``.

    Examples:
        >>> float(betaln(2.0, 3.0))
        -2.4849066497880004
    """
    return sc.betaln(a, b)


def _density(a: Any, b: Any, x: Any) -> Any:
    """The beta density ``x**(a - 1) (1 - x)**(b - 1) / beta(a, b)``, written in logarithms."""
    return pnp.exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b))


@elementwise(
    not_implemented("a", _WHY),
    not_implemented("b", _WHY),
    lambda ans, a, b, x: _density(a, b, x),
)
def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularised incomplete beta function, ``scipy.special.betainc``.

    Its derivative in ``x`` is the beta density ``x**(a-1) (1-x)**(b-1) / beta(a, b)``;
    in ``a`` and ``b`` SciPy has none.

    Examples:
        >>> float(betainc(1.0, 1.0, 0.25))
        0.25
    """
    return sc.betainc(a, b, x)


@elementwise(
    not_implemented("a", _WHY),
    not_implemented("b", _WHY),
    lambda ans, a, b, x: -_density(a, b, x),
)
def betaincc(a: Any, b: Any, x: Any) -> Any:
    """``1 - betainc(a, b, x)``, computed as accurately, ``scipy.special.betaincc``.

    Examples:
        >>> float(betaincc(1.0, 1.0, 0.25))
        0.75
    """
    return sc.betaincc(a, b, x)


@elementwise(
    not_implemented("a", _WHY),
    not_implemented("b", _WHY),
    lambda ans, a, b, y: 1.0 / _density(a, b, ans),
)
def betaincinv(a: Any, b: Any, y: Any) -> Any:
    """The inverse of ``betainc`` in ``x``, ``scipy.special.betaincinv``.

    Its derivative in ``y`` is one over the beta density at the answer.

    Examples:
        >>> float(betaincinv(1.0, 1.0, 0.25))
        0.25
    """
    return sc.betaincinv(a, b, y)
