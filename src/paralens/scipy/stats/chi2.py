"""The chi-squared distribution, ``scipy.stats.chi2``, differentiable in all of its arguments.

The density is differentiable in every argument (``df`` need not be an integer); the
distribution function and its inverses in ``x`` (or ``q``), ``loc`` and ``scale``, not
``df`` (SciPy has no such derivative). The support is ``x > loc``.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import chi2
    >>> round(float(paralens.grad(chi2.logpdf)(2.0, 4.0)), 6)  # (df / 2 - 1) / x - 1 / 2
    0.0
"""

from __future__ import annotations

import math
from typing import Any

import scipy.stats

import paralens.numpy as pnp
from paralens.scipy.special import digamma
from paralens.scipy.stats._family import LocationScale

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


_HALF_LOG_TWO = 0.5 * math.log(2.0)


def _dlogpdf_dz(z: Any, df: Any) -> Any:
    return (0.5 * df - 1.0) / z - 0.5


def _dlogpdf_ddf(z: Any, df: Any) -> Any:
    return 0.5 * pnp.log(z) - _HALF_LOG_TWO - 0.5 * digamma(0.5 * df)


_chi2 = LocationScale(
    scipy.stats.chi2,
    ("df",),
    _dlogpdf_dz,
    (_dlogpdf_ddf,),
    interior=lambda z, df: z > 0,
    exterior=lambda z, df: z < 0,
    safe=1.0,
)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density.

    Examples:
        >>> round(float(pdf(0.7, 3.0)), 6)
        0.23521
    """
    return _chi2.pdf(x, df, loc, scale)


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density.

    Examples:
        >>> round(float(logpdf(0.7, 3.0)), 6)
        -1.447276
    """
    return _chi2.logpdf(x, df, loc, scale)


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; its derivative in ``x`` is ``pdf``.

    Examples:
        >>> round(float(cdf(0.7, 3.0)), 6)
        0.126796
    """
    return _chi2.cdf(x, df, loc, scale)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function.

    Examples:
        >>> round(float(logcdf(0.7, 3.0)), 6)
        -2.065175
    """
    return _chi2.logcdf(x, df, loc, scale)


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``; its derivative in ``x`` is ``-pdf``.

    Examples:
        >>> round(float(sf(0.7, 3.0)), 6)
        0.873204
    """
    return _chi2.sf(x, df, loc, scale)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function.

    Examples:
        >>> round(float(logsf(0.7, 3.0)), 6)
        -0.135586
    """
    return _chi2.logsf(x, df, loc, scale)


def ppf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function (inverse of ``cdf``); its derivative in ``q`` is ``1 / pdf``.

    Examples:
        >>> round(float(ppf(0.3, 3.0)), 6)
        1.423652
    """
    return _chi2.ppf(q, df, loc, scale)


def isf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse survival function (inverse of ``sf``).

    Examples:
        >>> round(float(isf(0.3, 3.0)), 6)
        3.664871
    """
    return _chi2.isf(q, df, loc, scale)
