"""Complex values: their parts, conjugate and angle, and the convention for their gradients.

The convention is HIPS autograd's (and JAX's). For ``f(z) = u(x, y) + i v(x, y)`` with
``z = x + i y``, the gradient is ``grad(f)(z) = du/dx - i du/dy``; the imaginary part ``v``
of the answer is ignored. So a holomorphic ``f`` gets its complex derivative ``f'(z)``,
a real loss ``L`` of a complex parameter gets a gradient whose conjugate is the direction
of steepest ascent, and a real function computed with complex steps inside (an FFT, say)
gets the gradient a real computation would give. A reverse rule multiplies by the
derivative without conjugating it, ``g * f'(z)``, and a real input gets a real cotangent:
where a rule takes a real value to a complex one, the cotangent it hands back is the real
part (``real_part_for``).

    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> paralens.grad(lambda z: abs(2j * z) ** 2)(1 + 2j)  # 4 |z|^2: 8x - 8iy
    (8-16j)
    >>> paralens.grad(lambda z: pnp.real(z * z))(1 + 2j)  # holomorphic: the derivative, 2z
    (2+4j)
    >>> paralens.grad(lambda x: pnp.abs(pnp.exp(1j * x)))(0.3)  # |exp(ix)| = 1 for real x
    0.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import plain_value, primitive
from paralens.numpy._backend import is_complex_array, namespace_of

real: Callable[..., Any] = primitive(np.real, "real")
imag: Callable[..., Any] = primitive(np.imag, "imag")
conjugate: Callable[..., Any] = primitive(np.conjugate, "conjugate")
conj = conjugate


def _angle(z: Any) -> Any:
    return np.angle(z)


angle_radians: Callable[..., Any] = primitive(_angle, "angle")


def angle(z: Any, deg: bool = False) -> Any:
    """``numpy.angle``: the argument of ``z``, in radians (degrees with ``deg=True``).

    Its gradient is ``-i conj(z) / |z|**2``, and 0 for a real ``z`` away from zero.

    Examples:
        >>> float(angle(1j)), float(angle(-1.0, deg=True))
        (1.5707963267948966, 180.0)
    """
    if deg:
        return angle_radians(z) * (180 / np.pi)
    return angle_radians(z)


def real_if_close(a: Any, tol: float = 100) -> Any:
    """``numpy.real_if_close``: the real part of ``a`` if its imaginary parts are all within
    ``tol`` machine epsilons of zero, else ``a``.

    Examples:
        >>> real_if_close(np.array([1.0 + 1e-16j, 2.0]))
        array([1., 2.])
    """
    plain = plain_value(a)
    xp = namespace_of(plain)
    if xp is not None:  # another library's array: its imaginary parts read with it
        if not is_complex(plain):
            return a
        eps = xp.finfo(plain.dtype).eps
        return real(a) if bool(xp.all(xp.abs(xp.imag(plain)) < tol * eps)) else a
    if plain is a:
        return np.real_if_close(a, tol)
    if is_complex(plain) and not is_complex(np.real_if_close(plain, tol)):
        return real(a)
    return a


_REAL_SCALARS = frozenset({float, int, bool, np.float64, np.float32, np.float16})


def is_complex(x: Any) -> bool:
    """Whether ``x`` (a number, an array, a traced value or a kept shape) is complex."""
    cls = type(x)
    if cls in _REAL_SCALARS:
        return False
    if cls is complex:
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:  # a Python number, perhaps traced
        return isinstance(plain_value(x), complex)
    kind = getattr(dtype, "kind", None)
    if kind is None:  # the dtype of another library's array
        return is_complex_array(x)
    return bool(kind == "c")


def real_part_for(g: Any, target: Any) -> Any:
    """``g`` as a cotangent of ``target``: its real part when ``target`` is real.

    A rule that takes a real value to a complex one (``x * 1j``, or a real and a complex
    array concatenated) hands the real value back the real part of its cotangent: the
    imaginary part pairs with no direction a real value can move in.

    Examples:
        >>> real_part_for(np.array([1 + 2j]), np.zeros(1)), real_part_for(2j, 0j)
        (array([1.]), 2j)
    """
    if is_complex(g) and not is_complex(target):
        return real(g)
    return g
