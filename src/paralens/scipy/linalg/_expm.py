"""``expm``: the matrix exponential, through its Fréchet derivative.

The derivative of ``expm`` at ``a`` in direction ``e`` is the upper right block of
``expm([[a, e], [0, a]])`` (Mathias, 1996), which is ``expm`` again, so every order of
derivative comes from the one primitive. The cotangent is the derivative at ``aᵀ`` in the
direction of the cotangent.

References:
    Roy Mathias, "A chain rule for matrix functions and applications", SIAM Journal on
    Matrix Analysis and Applications 17(3), 1996.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._elementwise import plain
from paralens.scipy._matrices import transpose

__all__ = ["expm"]


def _value(a: Any) -> Any:
    return scipy.linalg.expm(a)


_expm = primitive(_value, "expm")


def _frechet(a: Any, e: Any) -> Any:
    """The derivative of ``expm`` at ``a`` in direction ``e``, as a block of one ``expm``."""
    n = pnp.shape(a)[-1]
    zeros = np.zeros(pnp.shape(a), dtype=np.result_type(plain(a), plain(e)))
    top = pnp.concatenate([a, e], axis=-1)
    bottom = pnp.concatenate([zeros, a], axis=-1)
    return _expm(pnp.concatenate([top, bottom], axis=-2))[..., :n, n:]


defvjp(_expm, lambda ans, a: lambda g: _frechet(transpose(a), g))
defjvp(_expm, lambda t, ans, a: _frechet(a, t))


def expm(A: Any) -> Any:
    """The matrix exponential ``sum(A**k / k!)``, ``scipy.linalg.expm`` (stacks too).

    Examples:
        >>> expm(np.zeros((2, 2)))
        array([[1., 0.],
               [0., 1.]])
    """
    refuse_other_libraries("expm", SCIPY_ONLY, A)
    if not isinstance(A, Var):
        return scipy.linalg.expm(A)
    return _expm(A)
