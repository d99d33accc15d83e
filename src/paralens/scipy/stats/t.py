"""Student's t distribution, ``scipy.stats.t``, differentiable in all of its arguments.

The density is differentiable in every argument; the distribution function and its
inverses in ``x`` (or ``q``), ``loc`` and ``scale``, not ``df`` (SciPy has no such derivative).

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import t
    >>> round(float(paralens.grad(t.logpdf)(0.0, 3.0)), 6)
    0.0
"""

from __future__ import annotations

from typing import Any

import scipy.stats

import paralens.numpy as pnp
from paralens.scipy.special import digamma
from paralens.scipy.stats._family import LocationScale

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _dlogpdf_dz(z: Any, df: Any) -> Any:
    return -(df + 1.0) * z / (df + z * z)


def _dlogpdf_ddf(z: Any, df: Any) -> Any:
    z2 = z * z
    return 0.5 * (
        digamma(0.5 * (df + 1.0))
        - digamma(0.5 * df)
        - 1.0 / df
        - pnp.log1p(z2 / df)
        + (df + 1.0) * z2 / (df * (df + z2))
    )


_t = LocationScale(scipy.stats.t, ("df",), _dlogpdf_dz, (_dlogpdf_ddf,))


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density.

    Examples:
        >>> round(float(pdf(0.3, 3.0)), 6)
        0.346454
    """
    return _t.pdf(x, df, loc, scale)


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density.

    Examples:
        >>> round(float(logpdf(0.3, 3.0)), 6)
        -1.060006
    """
    return _t.logpdf(x, df, loc, scale)


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; its derivative in ``x`` is ``pdf``.

    Examples:
        >>> round(float(cdf(0.3, 3.0)), 6)
        0.608118
    """
    return _t.cdf(x, df, loc, scale)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function.

    Examples:
        >>> round(float(logcdf(0.3, 3.0)), 6)
        -0.497386
    """
    return _t.logcdf(x, df, loc, scale)


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``; its derivative in ``x`` is ``-pdf``.

    Examples:
        >>> round(float(sf(0.3, 3.0)), 6)
        0.391882
    """
    return _t.sf(x, df, loc, scale)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function.

    Examples:
        >>> round(float(logsf(0.3, 3.0)), 6)
        -0.936795
    """
    return _t.logsf(x, df, loc, scale)


def ppf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function (inverse of ``cdf``); its derivative in ``q`` is ``1 / pdf``.

    Examples:
        >>> round(float(ppf(0.3, 3.0)), 6)
        -0.58439
    """
    return _t.ppf(q, df, loc, scale)


def isf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse survival function (inverse of ``sf``).

    Examples:
        >>> round(float(isf(0.3, 3.0)), 6)
        0.58439
    """
    return _t.isf(q, df, loc, scale)
