"""Bessel functions of the first and second kinds, and the modified ones, scaled or not.

Every derivative comes from the recurrences ``C_v' = (C_{v-1} - C_{v+1}) / 2`` (``J``,
``Y``), ``I_v' = (I_{v-1} + I_{v+1}) / 2`` and ``K_v' = -(K_{v-1} + K_{v+1}) / 2``, which
hold at ``x = 0`` as well (unlike the forms with ``v / x``). The order has no derivative
here: for ``jn`` and ``yn`` it is an integer, and SciPy has no derivative in the order of
the others.
"""

from __future__ import annotations

from typing import Any

import scipy.special as sc

import paralens.numpy as pnp
from paralens.scipy._elementwise import elementwise, integer, not_implemented, real_only

__all__ = [
    "i0",
    "i0e",
    "i1",
    "i1e",
    "iv",
    "ive",
    "j0",
    "j1",
    "jn",
    "jv",
    "k0",
    "k0e",
    "k1",
    "k1e",
    "kv",
    "kve",
    "y0",
    "y1",
    "yn",
    "yv",
]

_ORDER = not_implemented("v", "SciPy has no derivative of Bessel functions in their order")


def _dj0_dx(ans: Any, x: Any) -> Any:
    return -j1(x)


@elementwise(_dj0_dx)
def j0(x: Any) -> Any:
    """The Bessel function of the first kind of order 0, ``scipy.special.j0``; ``j0' = -j1``.

    Examples:
        >>> float(j0(0.0))
        1.0
    """
    return sc.j0(x)


def _dj1_dx(ans: Any, x: Any) -> Any:
    return 0.5 * (j0(x) - jv(2.0, x))


@elementwise(_dj1_dx)
def j1(x: Any) -> Any:
    """The Bessel function of the first kind of order 1, ``scipy.special.j1``.

    Examples:
        >>> float(j1(0.0))
        0.0
    """
    return sc.j1(x)


def _djn_dx(ans: Any, n: Any, x: Any) -> Any:
    return 0.5 * (jn(n - 1, x) - jn(n + 1, x))


@elementwise(integer("n"), _djn_dx)
def jn(n: Any, x: Any) -> Any:
    """The Bessel function of the first kind of integer order ``n``, ``scipy.special.jn``.

    Examples:
        >>> float(jn(2, 0.0))
        0.0
    """
    return sc.jn(n, x)


def _djv_dx(ans: Any, v: Any, x: Any) -> Any:
    return 0.5 * (jv(v - 1.0, x) - jv(v + 1.0, x))


@elementwise(_ORDER, _djv_dx)
def jv(v: Any, x: Any) -> Any:
    """The Bessel function of the first kind of real order ``v``, ``scipy.special.jv``.

    Real or complex ``x``; the derivative in ``v`` is not available.

    Examples:
        >>> float(jv(0.0, 0.0))
        1.0
    """
    return sc.jv(v, x)


def _dy0_dx(ans: Any, x: Any) -> Any:
    return -y1(x)


@elementwise(_dy0_dx)
def y0(x: Any) -> Any:
    """The Bessel function of the second kind of order 0, ``scipy.special.y0``; ``y0' = -y1``.

    Examples:
        >>> round(float(y0(1.0)), 6)
        0.088257
    """
    return sc.y0(x)


def _dy1_dx(ans: Any, x: Any) -> Any:
    return 0.5 * (y0(x) - yv(2.0, x))


@elementwise(_dy1_dx)
def y1(x: Any) -> Any:
    """The Bessel function of the second kind of order 1, ``scipy.special.y1``.

    Examples:
        >>> round(float(y1(1.0)), 6)
        -0.781213
    """
    return sc.y1(x)


def _dyn_dx(ans: Any, n: Any, x: Any) -> Any:
    return 0.5 * (yn(n - 1, x) - yn(n + 1, x))


@elementwise(integer("n"), _dyn_dx)
def yn(n: Any, x: Any) -> Any:
    """The Bessel function of the second kind of integer order ``n``, ``scipy.special.yn``.

    Examples:
        >>> round(float(yn(1, 1.0)), 6)
        -0.781213
    """
    return sc.yn(n, x)


def _dyv_dx(ans: Any, v: Any, x: Any) -> Any:
    return 0.5 * (yv(v - 1.0, x) - yv(v + 1.0, x))


@elementwise(_ORDER, _dyv_dx)
def yv(v: Any, x: Any) -> Any:
    """The Bessel function of the second kind of real order ``v``, ``scipy.special.yv``.

    Examples:
        >>> round(float(yv(1.0, 1.0)), 6)
        -0.781213
    """
    return sc.yv(v, x)


def _di0_dx(ans: Any, x: Any) -> Any:
    return i1(x)


@elementwise(_di0_dx)
def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 0, ``scipy.special.i0``.

    Its derivative is ``i1``.

    Examples:
        >>> float(i0(0.0))
        1.0
    """
    return sc.i0(x)


def _di1_dx(ans: Any, x: Any) -> Any:
    return 0.5 * (i0(x) + iv(2.0, x))


@elementwise(_di1_dx)
def i1(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 1, ``scipy.special.i1``.

    Examples:
        >>> float(i1(0.0))
        0.0
    """
    return sc.i1(x)


def _div_dx(ans: Any, v: Any, x: Any) -> Any:
    return 0.5 * (iv(v - 1.0, x) + iv(v + 1.0, x))


@elementwise(_ORDER, _div_dx)
def iv(v: Any, x: Any) -> Any:
    """The modified Bessel function of the first kind of real order ``v``, ``scipy.special.iv``.

    Real or complex ``x``; the derivative in ``v`` is not available.

    Examples:
        >>> float(iv(0.0, 0.0))
        1.0
    """
    return sc.iv(v, x)


def _di0e_dx(ans: Any, x: Any) -> Any:
    return i1e(x) - pnp.sign(x) * ans


@elementwise(_di0e_dx)
def i0e(x: Any) -> Any:
    """``exp(-|x|) i0(x)``, ``scipy.special.i0e``; derivative ``i1e(x) - sign(x) i0e(x)``.

    Examples:
        >>> float(i0e(0.0))
        1.0
    """
    return sc.i0e(x)


def _di1e_dx(ans: Any, x: Any) -> Any:
    return 0.5 * (i0e(x) + ive(2.0, x)) - pnp.sign(x) * ans


@elementwise(_di1e_dx)
def i1e(x: Any) -> Any:
    """``exp(-|x|) i1(x)``, ``scipy.special.i1e``.

    Examples:
        >>> float(i1e(0.0))
        0.0
    """
    return sc.i1e(x)


def _ive_dx(ans: Any, v: Any, x: Any) -> Any:
    return 0.5 * (ive(v - 1.0, x) + ive(v + 1.0, x)) - pnp.sign(x) * ans


@elementwise(_ORDER, real_only("ive", _ive_dx))
def ive(v: Any, x: Any) -> Any:
    """``exp(-|Re x|) iv(v, x)``, ``scipy.special.ive``; differentiable at real ``x``.

    Examples:
        >>> float(ive(0.0, 0.0))
        1.0
    """
    return sc.ive(v, x)


def _dk0_dx(ans: Any, x: Any) -> Any:
    return -k1(x)


@elementwise(_dk0_dx)
def k0(x: Any) -> Any:
    """The modified Bessel function of the second kind of order 0, ``scipy.special.k0``.

    Its derivative is ``-k1``.

    Examples:
        >>> round(float(k0(1.0)), 6)
        0.421024
    """
    return sc.k0(x)


def _dk1_dx(ans: Any, x: Any) -> Any:
    return -0.5 * (k0(x) + kv(2.0, x))


@elementwise(_dk1_dx)
def k1(x: Any) -> Any:
    """The modified Bessel function of the second kind of order 1, ``scipy.special.k1``.

    Examples:
        >>> round(float(k1(1.0)), 6)
        0.601907
    """
    return sc.k1(x)


def _dkv_dx(ans: Any, v: Any, x: Any) -> Any:
    return -0.5 * (kv(v - 1.0, x) + kv(v + 1.0, x))


@elementwise(_ORDER, _dkv_dx)
def kv(v: Any, x: Any) -> Any:
    """The modified Bessel function of the second kind of real order ``v``, ``scipy.special.kv``.

    Examples:
        >>> round(float(kv(0.0, 1.0)), 6)
        0.421024
    """
    return sc.kv(v, x)


def _dk0e_dx(ans: Any, x: Any) -> Any:
    return ans - k1e(x)


@elementwise(_dk0e_dx)
def k0e(x: Any) -> Any:
    """``exp(x) k0(x)``, ``scipy.special.k0e``; derivative ``k0e(x) - k1e(x)``.

    Examples:
        >>> round(float(k0e(1.0)), 6)
        1.144463
    """
    return sc.k0e(x)


def _dk1e_dx(ans: Any, x: Any) -> Any:
    return ans - 0.5 * (k0e(x) + kve(2.0, x))


@elementwise(_dk1e_dx)
def k1e(x: Any) -> Any:
    """``exp(x) k1(x)``, ``scipy.special.k1e``.

    Examples:
        >>> round(float(k1e(1.0)), 6)
        1.636153
    """
    return sc.k1e(x)


def _dkve_dx(ans: Any, v: Any, x: Any) -> Any:
    return ans - 0.5 * (kve(v - 1.0, x) + kve(v + 1.0, x))


@elementwise(_ORDER, _dkve_dx)
def kve(v: Any, x: Any) -> Any:
    """``exp(x) kv(v, x)``, ``scipy.special.kve`` (real or complex ``x``).

    Examples:
        >>> round(float(kve(0.0, 1.0)), 6)
        1.144463
    """
    return sc.kve(v, x)
