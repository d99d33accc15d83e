"""The parts of complex values that the rules of linear algebra and the FFT read.

The rules of ``eig`` (whose eigenvectors are complex for a real matrix) need the real
and imaginary parts and the conjugate of traced values, differentiable in both modes.
Gradients follow HIPS autograd's convention: a reverse rule multiplies by the derivative
without conjugating it, and a real input gets a real cotangent. In that convention the
reverse rule of a map ``J`` that is linear over the reals is ``g -> conj(J*(conj(g)))``
(``J*`` its adjoint in the real inner product ``Re(sum(conj(a) * b))``), so the rule of
``real_part`` is ``to_complex`` and the other way round, and ``conjugate`` is its own.

Examples:
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> z = np.array([1.0 + 2.0j, 0.5 - 3.0j])
    >>> real_part(z), imag_part(z), conjugate(z)
    (array([1. , 0.5]), array([ 2., -3.]), array([1. -2.j, 0.5+3.j]))
    >>> paralens.grad(lambda z: pnp.sum(imag_part(z * z)))(np.array([1.0 + 2.0j]))
    array([4.-2.j])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import defjvp, defvjp, plain_value, primitive
from paralens.numpy._creation import zeros_like


def is_complex(x: Any) -> bool:
    """Whether ``x`` (a number, an array, a traced value or a kept shape) is complex."""
    if isinstance(x, complex):
        return True
    dtype = getattr(plain_value(x), "dtype", None)
    return dtype is not None and dtype.kind == "c"


def complex_dtype(x: Any) -> np.dtype[Any]:
    """The complex dtype of ``x``'s precision: complex64 for float32, else complex128."""
    return np.result_type(plain_value(x), np.complex64)


def _real_part(z: Any) -> Any:
    return np.real(z)


def _imag_part(z: Any) -> Any:
    return np.imag(z)


def _conjugate(z: Any) -> Any:
    return np.conjugate(z)


def _to_complex(x: Any, dtype: Any) -> Any:
    return np.asarray(x, dtype=dtype)


real_part = primitive(_real_part, "real")
imag_part = primitive(_imag_part, "imag")
conjugate = primitive(_conjugate, "conjugate")
to_complex = primitive(_to_complex, "to_complex")


def as_complex(x: Any) -> Any:
    """``x`` as a complex value: a real one mixed with complex ones in a rule goes through
    this, so that its own cotangent comes back real (``to_complex``'s reverse rule)."""
    return x if is_complex(x) else to_complex(x, complex_dtype(x))


def _cotangent_of(g: Any, z: Any) -> Any:
    """The cotangent ``g`` of a real answer as one of ``z``: complex when ``z`` is. A real
    answer's cotangent is real; the imaginary part of a complex ``g`` (which a rule of a
    real value mixed with complex ones may leave) is none of its own and is dropped."""
    if is_complex(g):
        g = real_part(g)
    return to_complex(g, complex_dtype(g)) if is_complex(z) else g


defvjp(real_part, lambda g, ans, z: _cotangent_of(g, z), saves=(0,), staged=False)
defjvp(real_part, lambda t, ans, z: real_part(t))


def _imag_part_vjp(g: Any, ans: Any, z: Any) -> Any:
    # The imaginary part of a real value is the constant 0.
    if not is_complex(z):
        return zeros_like(real_part(g) if is_complex(g) else g)
    return _cotangent_of(g, z) * -1j


defvjp(imag_part, _imag_part_vjp, saves=(0,), staged=False)
defjvp(imag_part, lambda t, ans, z: imag_part(t))
defvjp(conjugate, lambda g, ans, z: conjugate(g), saves=(), staged=False)
defjvp(conjugate, lambda t, ans, z: conjugate(t))
defvjp(to_complex, lambda g, ans, x, dtype: real_part(g), None, saves=(), staged=False)
defjvp(to_complex, lambda t, ans, x, dtype: to_complex(t, dtype), None)
