"""Elementwise operations: NumPy's ufuncs as primitives, and a few of paralens' own.

On arguments that hold no ``Var`` each returns exactly what NumPy returns. Their rules
are in ``_vjps.py`` and ``_jvps.py`` (those added for autograd's breadth, from ``hypot``
and ``fabs`` on, in ``_vjps_elementwise.py`` and ``_jvps_elementwise.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import is_var, nondifferentiable, primitive
from paralens.numpy._complex import is_complex
from paralens.numpy._indexing import where_selected

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
hypot = primitive(np.hypot, "hypot")
logaddexp = primitive(np.logaddexp, "logaddexp")
logaddexp2 = primitive(np.logaddexp2, "logaddexp2")
# numpy.remainder is numpy.mod, the sign of the divisor; numpy.fmod has the sign of x.
mod = primitive(np.mod, "mod")
remainder = mod
fmod = primitive(np.fmod, "fmod")
# Like maximum and minimum, but a NaN loses to a number (and the number gets the gradient).
fmax = primitive(np.fmax, "fmax")
fmin = primitive(np.fmin, "fmin")

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
fabs: Callable[..., Any] = primitive(np.fabs, "fabs")
reciprocal: Callable[..., Any] = primitive(np.reciprocal, "reciprocal")
exp2: Callable[..., Any] = primitive(np.exp2, "exp2")
log2: Callable[..., Any] = primitive(np.log2, "log2")
log10: Callable[..., Any] = primitive(np.log10, "log10")
arcsin: Callable[..., Any] = primitive(np.arcsin, "arcsin")
arccos: Callable[..., Any] = primitive(np.arccos, "arccos")
arcsinh: Callable[..., Any] = primitive(np.arcsinh, "arcsinh")
arccosh: Callable[..., Any] = primitive(np.arccosh, "arccosh")
arctanh: Callable[..., Any] = primitive(np.arctanh, "arctanh")
deg2rad: Callable[..., Any] = primitive(np.deg2rad, "deg2rad")
radians = deg2rad
rad2deg: Callable[..., Any] = primitive(np.rad2deg, "rad2deg")
degrees = rad2deg
sinc: Callable[..., Any] = primitive(np.sinc, "sinc")


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

sign_of_real: Callable[..., Any] = nondifferentiable(np.sign)
# NumPy 2 gives complex numbers the sign z / |z|, which is not piecewise constant.
_SIGN_OF_COMPLEX_IS_UNIT = bool(np.sign(1j) == 1j)


def sign(x: Any) -> Any:
    """``numpy.sign``: piecewise constant (no derivative) for real ``x``.

    For complex ``z`` NumPy 2 gives ``z / |z|`` (0 at 0), which is differentiable, and
    so is this; NumPy 1 gives the sign of the real part.

    Examples:
        >>> sign(np.array([-2.0, 0.0, 3.0]))
        array([-1.,  0.,  1.])
    """
    if _SIGN_OF_COMPLEX_IS_UNIT and is_var(x) and is_complex(x):
        magnitude = abs(x)
        return x / where_selected(magnitude == 0, 1.0, magnitude)
    return sign_of_real(x)


floor: Callable[..., Any] = nondifferentiable(np.floor)
ceil: Callable[..., Any] = nondifferentiable(np.ceil)
round: Callable[..., Any] = nondifferentiable(np.round)
around = round
rint: Callable[..., Any] = nondifferentiable(np.rint)
fix: Callable[..., Any] = nondifferentiable(np.fix)
trunc: Callable[..., Any] = nondifferentiable(np.trunc)
floor_divide: Callable[..., Any] = nondifferentiable(np.floor_divide)


def _clip(x: Any, a_min: Any, a_max: Any) -> Any:
    return np.clip(x, a_min, a_max)


# The bounds are positional arguments of the primitive, so that traced bounds get their
# gradients whichever way ``clip`` was called.
clip_between = primitive(_clip, "clip")


def clip(
    a: Any,
    a_min: Any = None,
    a_max: Any = None,
    *,
    min: Any = None,  # noqa: A002 (NumPy's names)
    max: Any = None,  # noqa: A002
) -> Any:
    """``numpy.clip``: ``a`` limited to ``[a_min, a_max]`` (also as ``min=``, ``max=``).

    The gradient flows to whichever of ``a`` and the bounds is the answer; a bound of
    ``None`` is absent.

    Raises:
        ValueError: a bound is given twice (``a_min`` and ``min``).

    Examples:
        >>> clip(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
        array([-1. ,  0.5,  1. ])
        >>> clip(np.array([-2.0, 0.5, 3.0]), a_max=1.0)
        array([-2. ,  0.5,  1. ])
    """
    if min is not None:
        if a_min is not None:
            raise ValueError("clip: give the lower bound once, as a_min or as min")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise ValueError("clip: give the upper bound once, as a_max or as max")
        a_max = max
    return clip_between(a, a_min, a_max)


def _nan_to_num(x: Any, nan: Any, posinf: Any, neginf: Any) -> Any:
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


# The replacement values are positional arguments, so that traced ones get gradients.
nan_to_num_values = primitive(_nan_to_num, "nan_to_num")


def nan_to_num(
    x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None
) -> Any:
    """``numpy.nan_to_num``: NaNs and infinities of ``x`` replaced by finite numbers.

    The gradient of ``x`` is kept where ``x`` is finite and zero where it was replaced;
    each replacement value gets the gradient of the entries it replaced. A traced ``x``
    is never changed in place, whatever ``copy`` says.

    Examples:
        >>> nan_to_num(np.array([1.0, np.nan, np.inf]), posinf=9.0)
        array([1., 0., 9.])
    """
    if copy is False and not is_var(x):
        return np.nan_to_num(x, copy=False, nan=nan, posinf=posinf, neginf=neginf)
    return nan_to_num_values(x, nan, posinf, neginf)
