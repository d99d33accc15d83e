"""Elementwise operations: NumPy's ufuncs as primitives, and a few of paralens' own.

On arguments that hold no ``Var`` each returns exactly what NumPy returns. Their rules
are in ``_vjps.py`` and ``_jvps.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import nondifferentiable, primitive

# Binary.

add = primitive(np.add, "add")
subtract = primitive(np.subtract, "subtract")
multiply = primitive(np.multiply, "multiply")
divide = primitive(np.divide, "divide")
true_divide = divide
power = primitive(np.power, "power")
maximum = primitive(np.maximum, "maximum")
minimum = primitive(np.minimum, "minimum")
arctan2 = primitive(np.arctan2, "arctan2")

# Unary.

negative = primitive(np.negative, "negative")
exp: Callable[..., Any] = primitive(np.exp, "exp")
log: Callable[..., Any] = primitive(np.log, "log")
log1p: Callable[..., Any] = primitive(np.log1p, "log1p")
expm1: Callable[..., Any] = primitive(np.expm1, "expm1")
sqrt: Callable[..., Any] = primitive(np.sqrt, "sqrt")
square: Callable[..., Any] = primitive(np.square, "square")
abs: Callable[..., Any] = primitive(np.abs, "abs")
absolute = abs
sin: Callable[..., Any] = primitive(np.sin, "sin")
cos: Callable[..., Any] = primitive(np.cos, "cos")
tan: Callable[..., Any] = primitive(np.tan, "tan")
tanh: Callable[..., Any] = primitive(np.tanh, "tanh")
arctan: Callable[..., Any] = primitive(np.arctan, "arctan")
sinh: Callable[..., Any] = primitive(np.sinh, "sinh")
cosh: Callable[..., Any] = primitive(np.cosh, "cosh")


def _sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Examples:
        >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
        array([0.5, 1. , 0. ])
    """
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


sigmoid: Callable[..., Any] = primitive(_sigmoid, "sigmoid")
logistic = sigmoid


def _relu(x: Any) -> Any:
    """``max(x, 0)`` elementwise; its derivative at 0 is taken as 0.

    Examples:
        >>> relu(np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 2.])
    """
    return np.maximum(x, 0.0)


relu: Callable[..., Any] = primitive(_relu, "relu")


def _softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, computed without overflow; its derivative is ``sigmoid``.

    Examples:
        >>> softplus(np.array([0.0, 1000.0]))
        array([6.93147181e-01, 1.00000000e+03])
    """
    return np.logaddexp(0.0, x)


softplus: Callable[..., Any] = primitive(_softplus, "softplus")

# Piecewise constant: no derivative, the result is a plain value.

sign: Callable[..., Any] = nondifferentiable(np.sign)
floor: Callable[..., Any] = nondifferentiable(np.floor)
ceil: Callable[..., Any] = nondifferentiable(np.ceil)
round: Callable[..., Any] = nondifferentiable(np.round)


def _clip(x: Any, a_min: Any, a_max: Any) -> Any:
    """``x`` limited to ``[a_min, a_max]``; the gradient flows to whichever is the answer.

    Examples:
        >>> clip(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
        array([-1. ,  0.5,  1. ])
    """
    return np.clip(x, a_min, a_max)


clip = primitive(_clip, "clip")
