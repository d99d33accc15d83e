"""The Poisson distribution, ``scipy.stats.poisson``: differentiable in its mean ``mu``.

The count ``k`` and the shift ``loc`` are integers and have no derivative. With
``n = k - loc``: ``d logpmf / d mu = n / mu - 1`` where ``n`` is a count (a non-negative
integer) and nan elsewhere (where ``logpmf`` is ``-inf``); ``pmf``'s derivative is that
times ``pmf``, 0 where ``pmf`` is; and ``d cdf / d mu = -pmf(floor(k), mu, loc)``.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import poisson
    >>> paralens.grad(poisson.logpmf, argnums=1)(3.0, 2.0)  # 3 / 2 - 1
    0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.stats

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise, integer, nan_outside, plain

__all__ = ["cdf", "logcdf", "logpmf", "logsf", "pmf", "sf"]

_K, _LOC = integer("k"), integer("loc")


def _count(k: Any, loc: Any) -> Any:
    return np.asarray(plain(k)) - plain(loc)


def _dlogpmf_dmu_formula(k: Any, mu: Any, loc: Any) -> Any:
    """``n / mu - 1``, with ``0 / mu`` read as 0 (also at ``mu = 0``)."""
    n = _count(k, loc)
    return np.where(n == 0, 0.0, n) / pnp.where(n == 0, 1.0, mu) - 1.0


def _dlogpmf_dmu(ans: Any, k: Any, mu: Any, loc: Any) -> Any:
    n = _count(k, loc)
    return nan_outside(_dlogpmf_dmu_formula(k, mu, loc), (n >= 0) & (n == np.floor(n)))


def _dpmf_dmu(ans: Any, k: Any, mu: Any, loc: Any) -> Any:
    # pmf is 0 where n is not a count, so ans * formula is 0 there, at every order.
    return ans * _dlogpmf_dmu_formula(k, mu, loc)


def _dcdf_dmu(ans: Any, k: Any, mu: Any, loc: Any) -> Any:
    return -pmf(np.floor(plain(k)), mu, loc)


@elementwise(_K, _dpmf_dmu, _LOC)
def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The probability ``mu**n exp(-mu) / n!`` of the count ``n = k - loc``.

    Examples:
        >>> round(float(pmf(2, 3.0)), 6)
        0.224042
    """
    return scipy.stats.poisson.pmf(k, mu, loc)


@elementwise(_K, _dlogpmf_dmu, _LOC)
def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The log probability ``n log mu - mu - log n!``.

    Examples:
        >>> round(float(logpmf(2, 3.0)), 6)
        -1.495923
    """
    return scipy.stats.poisson.logpmf(k, mu, loc)


@elementwise(_K, _dcdf_dmu, _LOC)
def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The distribution function; its derivative in ``mu`` is ``-pmf(floor(k), mu, loc)``.

    Examples:
        >>> round(float(cdf(2, 3.0)), 6)
        0.42319
    """
    return scipy.stats.poisson.cdf(k, mu, loc)


@elementwise(_K, lambda ans, k, mu, loc: -_dcdf_dmu(ans, k, mu, loc), _LOC)
def sf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The survival function ``1 - cdf``.

    Examples:
        >>> round(float(sf(2, 3.0)), 6)
        0.57681
    """
    return scipy.stats.poisson.sf(k, mu, loc)


@elementwise(_K, lambda ans, k, mu, loc: _dcdf_dmu(ans, k, mu, loc) / pnp.exp(ans), _LOC)
def logcdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The log of the distribution function.

    Examples:
        >>> round(float(logcdf(2, 3.0)), 6)
        -0.859934
    """
    return scipy.stats.poisson.logcdf(k, mu, loc)


@elementwise(_K, lambda ans, k, mu, loc: -_dcdf_dmu(ans, k, mu, loc) / pnp.exp(ans), _LOC)
def logsf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The log of the survival function.

    Examples:
        >>> round(float(logsf(2, 3.0)), 6)
        -0.550242
    """
    return scipy.stats.poisson.logsf(k, mu, loc)
