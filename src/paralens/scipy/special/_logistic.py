"""The logistic function, its logarithm and its inverse."""

from __future__ import annotations

from typing import Any

import scipy.special as sc

from paralens.scipy._elementwise import elementwise

__all__ = ["expit", "log_expit", "logit"]


@elementwise(lambda ans, x: ans * (1.0 - ans))
def expit(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, ``scipy.special.expit``.

    Its derivative is ``expit(x) * (1 - expit(x))``.

    Examples:
        >>> float(expit(0.0))
        0.5
    """
    return sc.expit(x)


@elementwise(lambda ans, x: 1.0 / (x * (1.0 - x)))
def logit(x: Any) -> Any:
    """The inverse of ``expit``, ``log(x / (1 - x))``, ``scipy.special.logit``.

    Its derivative is ``1 / (x (1 - x))``; nan outside ``[0, 1]``, as the value is.

    Examples:
        >>> float(logit(0.5))
        0.0
    """
    return sc.logit(x)


@elementwise(lambda ans, x: expit(-x))
def log_expit(x: Any) -> Any:
    """``log(expit(x))``, accurate for large negative ``x``, ``scipy.special.log_expit``.

    Its derivative is ``expit(-x)``.

    Examples:
        >>> float(log_expit(0.0))
        -0.6931471805599453
    """
    return sc.log_expit(x)
