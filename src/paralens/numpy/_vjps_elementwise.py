"""The reverse rules of the elementwise functions added beside ``_vjps.py``'s first ones.

Inverse trigonometric and hyperbolic functions, logarithms and powers of other bases,
angle conversions, ``sinc``, ``hypot``, ``logaddexp``, the remainders, ``fmax``/``fmin``,
``nan_to_num``, and the parts of complex values (``real``, ``imag``, ``conj``, ``angle``).
A unary function is a row of ``MORE_UNARY``: its derivative, which both modes multiply
by (``_jvps_elementwise.py`` reads the same table). Holomorphic functions have the
complex derivative as their row, so they are right on complex values under the
convention of ``_complex.py``; the others are real functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import defvjp, plain_value
from paralens.numpy._backend import namespace_of
from paralens.numpy._complex import angle_radians, conj, conjugate, imag, is_complex, real
from paralens.numpy._elementwise import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctanh,
    cos,
    deg2rad,
    exp,
    exp2,
    fabs,
    floor,
    fmax,
    fmin,
    fmod,
    hypot,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    mod,
    nan_to_num_values,
    rad2deg,
    reciprocal,
    sign,
    sinc,
    sqrt,
    trunc,
)
from paralens.numpy._fast import unbroadcast
from paralens.numpy._indexing import where
from paralens.numpy._logic import isfinite, isnan, isneginf, isposinf
from paralens.numpy._vjps import indicator, select_x

# ---- Unary -------------------------------------------------------------------------------


def _sinc_derivative(ans: Any, x: Any) -> Any:
    """(cos(pi x) - sinc(x)) / x, and 0 at x = 0, where the numerator is 0 too."""
    return (cos(np.pi * x) - ans) / where(x == 0, 1.0, x)


# (function, derivative d(ans, x), what d reads): as _vjps.UNARY.
MORE_UNARY: tuple[
    tuple[Callable[..., Any], Callable[[Any, Any], Any], tuple[int | str, ...]], ...
] = (
    (fabs, lambda ans, x: sign(x), (0,)),
    (reciprocal, lambda ans, x: -(ans**2), ("ans",)),
    (exp2, lambda ans, x: ans * math.log(2.0), ("ans",)),
    (log2, lambda ans, x: 1.0 / (x * math.log(2.0)), (0,)),
    (log10, lambda ans, x: 1.0 / (x * math.log(10.0)), (0,)),
    (arcsin, lambda ans, x: 1.0 / sqrt(1.0 - x**2), (0,)),
    (arccos, lambda ans, x: -1.0 / sqrt(1.0 - x**2), (0,)),
    (arcsinh, lambda ans, x: 1.0 / sqrt(x**2 + 1.0), (0,)),
    # sqrt(x - 1) sqrt(x + 1), not sqrt(x**2 - 1): the two differ in sign for complex x
    # left of the imaginary axis, where only the first is arccosh's derivative.
    (arccosh, lambda ans, x: 1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0)), (0,)),
    (arctanh, lambda ans, x: 1.0 / (1.0 - x**2), (0,)),
    (deg2rad, lambda ans, x: np.pi / 180.0, ()),
    (rad2deg, lambda ans, x: 180.0 / np.pi, ()),
    (sinc, _sinc_derivative, (0, "ans")),
)


def _times(d: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda g, ans, x: g * d(ans, x)


for _fun, _derivative, _reads in MORE_UNARY:
    defvjp(_fun, _times(_derivative), saves=_reads, staged=False)

# ---- Binary ------------------------------------------------------------------------------


def safe(ans: Any) -> Any:
    """``ans`` with its zeros replaced by ones: a divisor where the numerator is zero too."""
    return where(ans == 0, 1.0, ans)


def quotient(x: Any, y: Any) -> Any:
    """x / y of plain values: NumPy's division (inf at 0, with its warning), or that of
    another library's arrays."""
    if namespace_of(x) is None and namespace_of(y) is None:
        return np.divide(x, y)
    return x / y


def quotient_floor(x: Any, y: Any) -> Any:
    """floor(x / y), the derivative of ``mod`` in ``-y``: piecewise constant, so plain."""
    return floor(quotient(plain_value(x), plain_value(y)))


def quotient_trunc(x: Any, y: Any) -> Any:
    """trunc(x / y), the derivative of ``fmod`` in ``-y``: piecewise constant, so plain."""
    return trunc(quotient(plain_value(x), plain_value(y)))


# (function, d ans / d x, d ans / d y, what they read); the gradient g times each, with
# broadcasting undone (_jvps_elementwise.py reads the same table).
BINARY: tuple[
    tuple[
        Callable[..., Any],
        Callable[[Any, Any, Any], Any],
        Callable[[Any, Any, Any], Any],
        tuple[int | str, ...],
    ],
    ...,
] = (
    (hypot, lambda ans, x, y: x / safe(ans), lambda ans, x, y: y / safe(ans), (0, 1, "ans")),
    (logaddexp, lambda ans, x, y: exp(x - ans), lambda ans, x, y: exp(y - ans), (0, 1, "ans")),
    (
        logaddexp2,
        lambda ans, x, y: exp2(x - ans),
        lambda ans, x, y: exp2(y - ans),
        (0, 1, "ans"),
    ),
    (mod, lambda ans, x, y: 1.0, lambda ans, x, y: -quotient_floor(x, y), (0, 1)),
    (fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -quotient_trunc(x, y), (0, 1)),
    (
        fmax,
        lambda ans, x, y: select_x(x, y, ans),
        lambda ans, x, y: select_x(y, x, ans),
        (0, 1, "ans"),
    ),
    (
        fmin,
        lambda ans, x, y: select_x(x, y, ans),
        lambda ans, x, y: select_x(y, x, ans),
        (0, 1, "ans"),
    ),
)


def _times_x(d: Callable[[Any, Any, Any], Any]) -> Callable[..., Any]:
    return lambda g, ans, x, y: unbroadcast(g * d(ans, x, y), x)


def _times_y(d: Callable[[Any, Any, Any], Any]) -> Callable[..., Any]:
    return lambda g, ans, x, y: unbroadcast(g * d(ans, x, y), y)


for _fun, _dx, _dy, _reads in BINARY:
    defvjp(_fun, _times_x(_dx), _times_y(_dy), saves=_reads, staged=False)

# ---- Replacing non-finite values -----------------------------------------------------------


def finite_part(g: Any, x: Any) -> Any:
    """``g`` where ``x`` is finite, 0 where ``nan_to_num`` replaced it.

    A complex ``x`` has its real and imaginary parts replaced separately, so each part of
    ``g`` is kept by the test of the same part of ``x``.
    """
    plain = plain_value(x)
    if not is_complex(plain):
        return g * indicator(isfinite(plain), g)
    kept_real = indicator(isfinite(real(plain)), g)
    kept_imag = indicator(isfinite(imag(plain)), g)
    return real(g) * kept_real + 1j * (imag(g) * kept_imag)


def replaced_by(test: Callable[[Any], Any], x: Any, like: Any) -> Any:
    """d ans / d (a value put in): 1 (1j in an imaginary part) where ``test`` of ``x`` holds."""
    plain = plain_value(x)
    if not is_complex(plain):
        return indicator(test(plain), like)
    return indicator(test(real(plain)), plain) + 1j * indicator(test(imag(plain)), plain)


# The values nan_to_num puts in, by argument position, and the entries each replaces.
REPLACED: tuple[tuple[int, Callable[[Any], Any]], ...] = (
    (1, isnan),
    (2, isposinf),
    (3, isneginf),
)


def _filled(position: int, test: Callable[[Any], Any]) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, *args: Any) -> Any:
        value = args[position]
        return unbroadcast(g * replaced_by(test, args[0], g), value)

    return rule


defvjp(
    nan_to_num_values,
    lambda g, ans, x, nan, posinf, neginf: finite_part(g, x),
    *(_filled(position, test) for position, test in REPLACED),
    saves=(0, 1, 2, 3),
    staged=False,
)

# ---- Complex values --------------------------------------------------------------------------


def squared_abs(x: Any) -> Any:
    """``|x|**2`` with zeros replaced by ones, for the derivative of ``angle``."""
    return safe(real(conj(x) * x))


def of_real_answer(g: Any) -> Any:
    """The cotangent ``g`` of a real answer, without the imaginary part a rule upstream that
    mixes real and complex values may leave on it (it pairs with no direction of a real)."""
    return real(g) if is_complex(g) else g


defvjp(real, lambda g, ans, x: of_real_answer(g), saves=(), staged=False)
defvjp(
    imag,
    lambda g, ans, x: -1j * of_real_answer(g) if is_complex(x) else 0.0 * of_real_answer(g),
    saves=(0,),
    staged=False,
)
defvjp(conjugate, lambda g, ans, x: conj(g), saves=(), staged=False)
defvjp(
    angle_radians,
    lambda g, ans, x: -1j * g * conj(x) / squared_abs(x) if is_complex(x) else 0.0 * g,
    saves=(0,),
    staged=False,
)
