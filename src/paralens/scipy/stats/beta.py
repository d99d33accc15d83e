"""The beta distribution, ``scipy.stats.beta``, differentiable in all of its arguments.

The density is differentiable in every argument; the distribution function and its
inverses in ``x`` (or ``q``), ``loc`` and ``scale``, not ``a`` or ``b`` (SciPy has no such
derivative). The support is ``loc < x < loc + scale``: outside it ``pdf``'s derivatives
are 0 and ``logpdf``'s nan.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import beta
    >>> round(float(paralens.grad(beta.logpdf)(0.5, 2.0, 2.0)), 6)
    0.0
"""

from __future__ import annotations

from typing import Any

import scipy.stats

import paralens.numpy as pnp
from paralens.scipy.special import digamma
from paralens.scipy.stats._family import LocationScale

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _dlogpdf_dz(z: Any, a: Any, b: Any) -> Any:
    return (a - 1.0) / z - (b - 1.0) / (1.0 - z)


def _dlogpdf_da(z: Any, a: Any, b: Any) -> Any:
    return pnp.log(z) - digamma(a) + digamma(a + b)


def _dlogpdf_db(z: Any, a: Any, b: Any) -> Any:
    return pnp.log1p(-z) - digamma(b) + digamma(a + b)


_beta = LocationScale(
    scipy.stats.beta,
    ("a", "b"),
    _dlogpdf_dz,
    (_dlogpdf_da, _dlogpdf_db),
    interior=lambda z, a, b: (z > 0) & (z < 1),
    exterior=lambda z, a, b: (z < 0) | (z > 1),
    safe=0.5,
)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density.

    Examples:
        >>> round(float(pdf(0.3, 2.0, 3.0)), 6)
        1.764
    """
    return _beta.pdf(x, a, b, loc, scale)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density.

    Examples:
        >>> round(float(logpdf(0.3, 2.0, 3.0)), 6)
        0.567584
    """
    return _beta.logpdf(x, a, b, loc, scale)


def cdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; its derivative in ``x`` is ``pdf``.

    Examples:
        >>> round(float(cdf(0.3, 2.0, 3.0)), 6)
        0.3483
    """
    return _beta.cdf(x, a, b, loc, scale)


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function.

    Examples:
        >>> round(float(logcdf(0.3, 2.0, 3.0)), 6)
        -1.054691
    """
    return _beta.logcdf(x, a, b, loc, scale)


def sf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``; its derivative in ``x`` is ``-pdf``.

    Examples:
        >>> round(float(sf(0.3, 2.0, 3.0)), 6)
        0.6517
    """
    return _beta.sf(x, a, b, loc, scale)


def logsf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function.

    Examples:
        >>> round(float(logsf(0.3, 2.0, 3.0)), 6)
        -0.428171
    """
    return _beta.logsf(x, a, b, loc, scale)


def ppf(q: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function (inverse of ``cdf``); its derivative in ``q`` is ``1 / pdf``.

    Examples:
        >>> round(float(ppf(0.3, 2.0, 3.0)), 6)
        0.272384
    """
    return _beta.ppf(q, a, b, loc, scale)


def isf(q: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse survival function (inverse of ``sf``).

    Examples:
        >>> round(float(isf(0.3, 2.0, 3.0)), 6)
        0.508405
    """
    return _beta.isf(q, a, b, loc, scale)
