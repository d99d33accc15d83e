"""The gamma distribution, ``scipy.stats.gamma``, differentiable in all of its arguments.

The density is differentiable in every argument; the distribution function and its
inverses in ``x`` (or ``q``), ``loc`` and ``scale``, not ``a`` (SciPy has no such derivative).
The support is ``x > loc``: outside it ``pdf``'s derivatives are 0 and ``logpdf``'s nan.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import gamma
    >>> round(float(paralens.grad(gamma.logpdf)(1.0, 2.0)), 6)  # (a - 1) / x - 1
    0.0
"""

from __future__ import annotations

from typing import Any

import scipy.stats

import paralens.numpy as pnp
from paralens.scipy.special import digamma
from paralens.scipy.stats._family import LocationScale

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _dlogpdf_dz(z: Any, a: Any) -> Any:
    return (a - 1.0) / z - 1.0


def _dlogpdf_da(z: Any, a: Any) -> Any:
    return pnp.log(z) - digamma(a)


_gamma = LocationScale(
    scipy.stats.gamma,
    ("a",),
    _dlogpdf_dz,
    (_dlogpdf_da,),
    interior=lambda z, a: z > 0,
    exterior=lambda z, a: z < 0,
    safe=1.0,
)


def pdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density.

    Examples:
        >>> round(float(pdf(0.7, 2.0)), 6)
        0.34761
    """
    return _gamma.pdf(x, a, loc, scale)


def logpdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density.

    Examples:
        >>> round(float(logpdf(0.7, 2.0)), 6)
        -1.056675
    """
    return _gamma.logpdf(x, a, loc, scale)


def cdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; its derivative in ``x`` is ``pdf``.

    Examples:
        >>> round(float(cdf(0.7, 2.0)), 6)
        0.155805
    """
    return _gamma.cdf(x, a, loc, scale)


def logcdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function.

    Examples:
        >>> round(float(logcdf(0.7, 2.0)), 6)
        -1.85915
    """
    return _gamma.logcdf(x, a, loc, scale)


def sf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``; its derivative in ``x`` is ``-pdf``.

    Examples:
        >>> round(float(sf(0.7, 2.0)), 6)
        0.844195
    """
    return _gamma.sf(x, a, loc, scale)


def logsf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function.

    Examples:
        >>> round(float(logsf(0.7, 2.0)), 6)
        -0.169372
    """
    return _gamma.logsf(x, a, loc, scale)


def ppf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function (inverse of ``cdf``); its derivative in ``q`` is ``1 / pdf``.

    Examples:
        >>> round(float(ppf(0.3, 2.0)), 6)
        1.097349
    """
    return _gamma.ppf(q, a, loc, scale)


def isf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse survival function (inverse of ``sf``).

    Examples:
        >>> round(float(isf(0.3, 2.0)), 6)
        2.439216
    """
    return _gamma.isf(q, a, loc, scale)
