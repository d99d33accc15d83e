"""The error function, the normal distribution function, and their inverses."""

from __future__ import annotations

import math
from typing import Any

import scipy.special as sc

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise

__all__ = ["erf", "erfc", "erfcinv", "erfcx", "erfinv", "log_ndtr", "ndtr", "ndtri"]

_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)
_ROOT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_ROOT_TWO_PI = math.sqrt(2.0 * math.pi)
_LOG_ROOT_TWO_PI = math.log(_ROOT_TWO_PI)


def _gauss(x: Any) -> Any:
    """``2 / sqrt(pi) * exp(-x**2)``, the derivative of ``erf``."""
    return _TWO_OVER_ROOT_PI * pnp.exp(-(x * x))


@elementwise(lambda ans, x: _gauss(x))
def erf(x: Any) -> Any:
    """The error function, ``scipy.special.erf`` (real or complex).

    Its derivative is ``2 / sqrt(pi) * exp(-x**2)``.

    Examples:
        >>> float(erf(0.0))
        0.0
    """
    return sc.erf(x)


@elementwise(lambda ans, x: -_gauss(x))
def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, ``scipy.special.erfc`` (real or complex).

    Examples:
        >>> float(erfc(0.0))
        1.0
    """
    return sc.erfc(x)


@elementwise(lambda ans, x: 2.0 * x * ans - _TWO_OVER_ROOT_PI)
def erfcx(x: Any) -> Any:
    """The scaled complementary error function ``exp(x**2) erfc(x)``, ``scipy.special.erfcx``.

    Its derivative is ``2 x erfcx(x) - 2 / sqrt(pi)``.

    Examples:
        >>> float(erfcx(0.0))
        1.0
    """
    return sc.erfcx(x)


@elementwise(lambda ans, x: _ROOT_PI_OVER_TWO * pnp.exp(ans * ans))
def erfinv(x: Any) -> Any:
    """The inverse of ``erf`` on ``(-1, 1)``, ``scipy.special.erfinv``.

    Its derivative is ``sqrt(pi) / 2 * exp(erfinv(x)**2)``.

    Examples:
        >>> float(erfinv(0.0))
        0.0
    """
    return sc.erfinv(x)


@elementwise(lambda ans, x: -_ROOT_PI_OVER_TWO * pnp.exp(ans * ans))
def erfcinv(x: Any) -> Any:
    """The inverse of ``erfc`` on ``(0, 2)``, ``scipy.special.erfcinv``.

    Examples:
        >>> float(erfcinv(1.0))
        0.0
    """
    return sc.erfcinv(x)


def _normal_density(x: Any) -> Any:
    return pnp.exp(-0.5 * (x * x)) / _ROOT_TWO_PI


@elementwise(lambda ans, x: _normal_density(x))
def ndtr(x: Any) -> Any:
    """The standard normal distribution function, ``scipy.special.ndtr`` (real or complex).

    Its derivative is the standard normal density ``exp(-x**2 / 2) / sqrt(2 pi)``.

    Examples:
        >>> float(ndtr(0.0))
        0.5
    """
    return sc.ndtr(x)


@elementwise(lambda ans, x: pnp.exp(-0.5 * (x * x) - _LOG_ROOT_TWO_PI - ans))
def log_ndtr(x: Any) -> Any:
    """The logarithm of ``ndtr``, accurate far in both tails, ``scipy.special.log_ndtr``.

    Its derivative is the normal density over ``ndtr``, computed in logarithms.

    Examples:
        >>> float(log_ndtr(0.0))
        -0.6931471805599453
    """
    return sc.log_ndtr(x)


@elementwise(lambda ans, p: _ROOT_TWO_PI * pnp.exp(0.5 * (ans * ans)))
def ndtri(p: Any) -> Any:
    """The inverse of ``ndtr`` (the standard normal quantile), ``scipy.special.ndtri``.

    Its derivative is ``sqrt(2 pi) exp(ndtri(p)**2 / 2)``.

    Examples:
        >>> float(ndtri(0.5))
        0.0
    """
    return sc.ndtri(p)
