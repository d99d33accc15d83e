"""Products with a logarithm that are zero where the factor is: ``xlogy``, ``xlog1py``, ``entr``.

Where ``x == 0`` the answer is 0 whatever ``y`` is, so its derivative in ``y`` is 0 there
too: the quotient ``x / y`` is taken with ``y`` replaced by 1 where both are 0, which keeps
``0 / 0`` out of the value (and leaves ``x / y``'s own derivatives wherever ``y != 0``).
"""

from __future__ import annotations

from typing import Any

import scipy.special as sc

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise, inside, nan_outside, plain

__all__ = ["entr", "xlog1py", "xlogy"]


def _over(x: Any, y: Any) -> Any:
    """``x / y``, and 0 where ``x == 0`` (even where ``y`` is 0 too)."""
    return x / pnp.where((plain(x) == 0) & (plain(y) == 0), 1.0, y)


@elementwise(lambda ans, x, y: pnp.log(y), lambda ans, x, y: _over(x, y))
def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, and 0 where ``x == 0``: ``scipy.special.xlogy`` (real or complex).

    Its derivatives are ``log(y)`` in ``x`` and ``x / y`` in ``y`` (0 where ``x == 0``).

    Examples:
        >>> float(xlogy(0.0, 0.0)), float(xlogy(2.0, 1.0))
        (0.0, 0.0)
    """
    return sc.xlogy(x, y)


@elementwise(lambda ans, x, y: pnp.log1p(y), lambda ans, x, y: _over(x, 1.0 + y))
def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, and 0 where ``x == 0``: ``scipy.special.xlog1py`` (real or complex).

    Its derivatives are ``log1p(y)`` in ``x`` and ``x / (1 + y)`` in ``y``.

    Examples:
        >>> float(xlog1py(0.0, -1.0))
        0.0
    """
    return sc.xlog1py(x, y)


def _entr_dx(ans: Any, x: Any) -> Any:
    valid = plain(x) >= 0
    return nan_outside(-(pnp.log(inside(x, valid, 1.0)) + 1.0), valid)


@elementwise(_entr_dx)
def entr(x: Any) -> Any:
    """The elementwise entropy ``-x log x`` (0 at 0, ``-inf`` below), ``scipy.special.entr``.

    Its derivative is ``-(log x + 1)``; nan where ``x < 0``.

    Examples:
        >>> float(entr(0.5))
        0.34657359027997264
    """
    return sc.entr(x)
