"""The parts of complex values that the rules of linear algebra and the FFT read.

The parts themselves are ``_complex.py``'s primitives (``pnp.real``, ``pnp.imag``,
``pnp.conjugate``), under the names these rules use; a real value is made complex here.

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
from paralens.numpy._backend_forms_values import numpy_dtype
from paralens.numpy._complex import conjugate, is_complex
from paralens.numpy._complex import imag as imag_part
from paralens.numpy._complex import real as real_part

__all__ = ["as_complex", "complex_dtype", "conjugate", "imag_part", "is_complex", "real_part"]


def complex_dtype(x: Any) -> np.dtype[Any]:
    """The complex dtype of ``x``'s precision: complex64 for float32, else complex128."""
    return np.result_type(numpy_dtype(plain_value(x)), np.complex64)


def _to_complex(x: Any, dtype: Any) -> Any:
    return np.asarray(x, dtype=dtype)


to_complex = primitive(_to_complex, "to_complex")


def as_complex(x: Any) -> Any:
    """``x`` as a complex value: a real one mixed with complex ones in a rule goes through
    this, so that its own cotangent comes back real (``to_complex``'s reverse rule)."""
    return x if is_complex(x) else to_complex(x, complex_dtype(x))


defvjp(to_complex, lambda g, ans, x, dtype: real_part(g), None, saves=(), staged=False)
defjvp(to_complex, lambda t, ans, x, dtype: to_complex(t, dtype), None)
