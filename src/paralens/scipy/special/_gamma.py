"""The gamma function and its relatives: logarithms, derivatives, incomplete integrals."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special as sc

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise, integer, not_implemented, plain, real_only
from paralens.scipy.special._xlogy import xlogy

__all__ = [
    "digamma",
    "gamma",
    "gammainc",
    "gammaincc",
    "gammainccinv",
    "gammaincinv",
    "gammaln",
    "gammasgn",
    "loggamma",
    "multigammaln",
    "polygamma",
    "psi",
    "rgamma",
]

_NO_SHAPE_DERIVATIVE = not_implemented(
    "a", "SciPy has no derivative of the incomplete gamma function in its shape a"
)


def _dgamma_dx(ans: Any, x: Any) -> Any:
    return ans * digamma(x)


@elementwise(_dgamma_dx)
def gamma(x: Any) -> Any:
    """The gamma function, ``scipy.special.gamma`` (real or complex ``x``).

    Its derivative is ``gamma(x) * digamma(x)``.

    Examples:
        >>> float(gamma(5.0))
        24.0
    """
    return sc.gamma(x)


def _dgammaln_dx(ans: Any, x: Any) -> Any:
    return digamma(x)


@elementwise(_dgammaln_dx)
def gammaln(x: Any) -> Any:
    """``log |gamma(x)|`` for real ``x``, ``scipy.special.gammaln``; its derivative is ``digamma``.

    Examples:
        >>> float(gammaln(5.0))
        3.1780538303479458
    """
    return sc.gammaln(x)


def _dloggamma_dx(ans: Any, x: Any) -> Any:
    return digamma(x)


@elementwise(_dloggamma_dx)
def loggamma(x: Any) -> Any:
    """The principal branch of ``log gamma``, ``scipy.special.loggamma`` (real or complex).

    Its derivative is ``digamma``.

    Examples:
        >>> float(loggamma(5.0))
        3.1780538303479458
    """
    return sc.loggamma(x)


def _digamma_dx(ans: Any, x: Any) -> Any:
    return polygamma(1, x)


@elementwise(real_only("digamma", _digamma_dx))
def digamma(x: Any) -> Any:
    """The digamma function ``gamma'(x) / gamma(x)``, ``scipy.special.digamma``.

    Its derivative is ``polygamma(1, x)``, at real ``x`` (SciPy has no complex trigamma).

    Examples:
        >>> float(digamma(1.0))
        -0.5772156649015329
    """
    return sc.digamma(x)


psi = digamma


def _dpolygamma_dx(ans: Any, n: Any, x: Any) -> Any:
    return polygamma(n + 1, x)


@elementwise(integer("n"), _dpolygamma_dx)
def polygamma(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of the digamma function, ``scipy.special.polygamma``.

    Its derivative in ``x`` is ``polygamma(n + 1, x)``; the order ``n`` is an integer.

    Examples:
        >>> round(float(polygamma(1, 1.0)), 12)  # pi**2 / 6
        1.644934066848
    """
    return sc.polygamma(n, x)


def _multigammaln_da(ans: Any, a: Any, d: Any) -> Any:
    halves = np.arange(int(plain(d))) / 2.0
    return pnp.sum(digamma(pnp.expand_dims(a, -1) - halves), axis=-1)


@elementwise(_multigammaln_da, integer("d"))
def multigammaln(a: Any, d: Any) -> Any:
    """The log of the multivariate gamma function of dimension ``d``.

    Its derivative in ``a`` is ``sum(digamma(a - j / 2) for j in range(d))``.

    Examples:
        >>> float(multigammaln(3.0, 1)) == float(gammaln(3.0))
        True
    """
    return sc.multigammaln(a, d)


def _drgamma_dx(ans: Any, x: Any) -> Any:
    return -ans * digamma(x)


@elementwise(_drgamma_dx)
def rgamma(x: Any) -> Any:
    """``1 / gamma(x)``, ``scipy.special.rgamma`` (real or complex).

    Its derivative is ``-rgamma(x) * digamma(x)``.

    Examples:
        >>> float(rgamma(5.0))
        0.041666666666666664
    """
    return sc.rgamma(x)


@elementwise(None)
def gammasgn(x: Any) -> Any:
    """The sign of the gamma function, ``scipy.special.gammasgn``: piecewise constant.

    Examples:
        >>> float(gammasgn(-0.5))
        -1.0
    """
    return sc.gammasgn(x)


def _gammainc_dx(ans: Any, a: Any, x: Any) -> Any:
    """The density ``x**(a - 1) exp(-x) / gamma(a)``: d/dx of the regularised integral."""
    return pnp.exp(xlogy(a - 1.0, x) - x - gammaln(a))


@elementwise(_NO_SHAPE_DERIVATIVE, _gammainc_dx)
def gammainc(a: Any, x: Any) -> Any:
    """The regularised lower incomplete gamma function, ``scipy.special.gammainc``.

    Its derivative in ``x`` is ``x**(a - 1) exp(-x) / gamma(a)``; in ``a`` SciPy has none.

    Examples:
        >>> float(gammainc(1.0, 2.0))  # 1 - exp(-2)
        0.8646647167633873
    """
    return sc.gammainc(a, x)


def _dgammaincc_dx(ans: Any, a: Any, x: Any) -> Any:
    return -_gammainc_dx(ans, a, x)


@elementwise(_NO_SHAPE_DERIVATIVE, _dgammaincc_dx)
def gammaincc(a: Any, x: Any) -> Any:
    """The regularised upper incomplete gamma function, ``scipy.special.gammaincc``.

    Its derivative in ``x`` is ``-x**(a - 1) exp(-x) / gamma(a)``; in ``a`` SciPy has none.

    Examples:
        >>> float(gammaincc(1.0, 2.0))  # exp(-2)
        0.1353352832366127
    """
    return sc.gammaincc(a, x)


def _dgammaincinv_dy(ans: Any, a: Any, y: Any) -> Any:
    return 1.0 / _gammainc_dx(None, a, ans)


@elementwise(_NO_SHAPE_DERIVATIVE, _dgammaincinv_dy)
def gammaincinv(a: Any, y: Any) -> Any:
    """The inverse of ``gammainc`` in ``x``, ``scipy.special.gammaincinv``.

    Its derivative in ``y`` is one over ``gammainc``'s at the answer.

    Examples:
        >>> round(float(gammaincinv(1.0, 0.8646647167633873)), 12)
        2.0
    """
    return sc.gammaincinv(a, y)


def _dgammainccinv_dy(ans: Any, a: Any, y: Any) -> Any:
    return -1.0 / _gammainc_dx(None, a, ans)


@elementwise(_NO_SHAPE_DERIVATIVE, _dgammainccinv_dy)
def gammainccinv(a: Any, y: Any) -> Any:
    """The inverse of ``gammaincc`` in ``x``, ``scipy.special.gammainccinv``.

    Its derivative in ``y`` is one over ``gammaincc``'s at the answer.

    Examples:
        >>> round(float(gammainccinv(1.0, 0.1353352832366127)), 12)
        2.0
    """
    return sc.gammainccinv(a, y)
