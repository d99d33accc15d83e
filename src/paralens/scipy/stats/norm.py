"""The normal distribution, ``scipy.stats.norm``: differentiable in ``x``, ``loc`` and ``scale``.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import norm
    >>> paralens.grad(norm.logpdf, argnums=(0, 1, 2))(1.0, 0.0, 1.0)
    (-1.0, 1.0, 0.0)
"""

from __future__ import annotations

from typing import Any

import scipy.stats

from paralens.scipy.stats._family import LocationScale

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_norm = LocationScale(scipy.stats.norm, (), lambda z: -z, ())


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density ``exp(-z**2 / 2) / (sqrt(2 pi) scale)``, ``z = (x - loc) / scale``.

    Examples:
        >>> round(float(pdf(0.0)), 6)
        0.398942
    """
    return _norm.pdf(x, loc, scale)


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density ``-z**2 / 2 - log(sqrt(2 pi) scale)``.

    Examples:
        >>> round(float(logpdf(0.0)), 6)
        -0.918939
    """
    return _norm.logpdf(x, loc, scale)


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; its derivative in ``x`` is ``pdf``.

    Examples:
        >>> float(cdf(0.0))
        0.5
    """
    return _norm.cdf(x, loc, scale)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function, accurate far in the lower tail.

    Examples:
        >>> round(float(logcdf(0.0)), 6)
        -0.693147
    """
    return _norm.logcdf(x, loc, scale)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``; its derivative in ``x`` is ``-pdf``.

    Examples:
        >>> float(sf(0.0))
        0.5
    """
    return _norm.sf(x, loc, scale)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function, accurate far in the upper tail.

    Examples:
        >>> round(float(logsf(0.0)), 6)
        -0.693147
    """
    return _norm.logsf(x, loc, scale)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function (inverse of ``cdf``); its derivative in ``q`` is ``1 / pdf``.

    Examples:
        >>> float(ppf(0.5, loc=2.0))
        2.0
    """
    return _norm.ppf(q, loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse survival function (inverse of ``sf``).

    Examples:
        >>> float(isf(0.5, loc=2.0))
        2.0
    """
    return _norm.isf(q, loc, scale)
