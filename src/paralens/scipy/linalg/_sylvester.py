"""``solve_sylvester`` and ``sqrtm``, whose derivatives are themselves Sylvester equations.

``x`` with ``a x + x b = q`` moves by ``ẋ = sylvester(a, b, q̇ - ȧ x - x ḃ)``; its
cotangents are ``q̄ = sylvester(aᵀ, bᵀ, g)``, ``ā = -q̄ xᵀ``, ``b̄ = -xᵀ q̄``. The square root
``x`` of ``a`` (``x x = a``) moves by ``ẋ = sylvester(x, x, ȧ)``, and its cotangent is
``sylvester(xᵀ, xᵀ, g)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._elementwise import plain
from paralens.scipy._matrices import transpose

__all__ = ["solve_sylvester", "sqrtm"]


def _sylvester_value(a: Any, b: Any, q: Any) -> Any:
    return scipy.linalg.solve_sylvester(a, b, q)


_solve_sylvester = primitive(_sylvester_value, "solve_sylvester")


def _adjoint(a: Any, b: Any, g: Any) -> Any:
    return _solve_sylvester(transpose(a), transpose(b), g)


defvjp(
    _solve_sylvester,
    lambda ans, a, b, q: lambda g: -_adjoint(a, b, g) @ transpose(ans),
    lambda ans, a, b, q: lambda g: -transpose(ans) @ _adjoint(a, b, g),
    lambda ans, a, b, q: lambda g: _adjoint(a, b, g),
)
defjvp(
    _solve_sylvester,
    lambda t, ans, a, b, q: _solve_sylvester(a, b, -(t @ ans)),
    lambda t, ans, a, b, q: _solve_sylvester(a, b, -(ans @ t)),
    lambda t, ans, a, b, q: _solve_sylvester(a, b, t),
)


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """``x`` with ``a x + x b = q``, ``scipy.linalg.solve_sylvester``, differentiable in all three.

    Examples:
        >>> solve_sylvester(np.eye(2), np.eye(2), 2.0 * np.eye(2))
        array([[1., 0.],
               [0., 1.]])
    """
    if not any(isinstance(m, Var) for m in (a, b, q)):
        return scipy.linalg.solve_sylvester(a, b, q)
    return _solve_sylvester(a, b, q)


def _sqrtm_value(a: Any) -> Any:
    return scipy.linalg.sqrtm(a)


_sqrtm = primitive(_sqrtm_value, "sqrtm")


def _refuse_complex_root(ans: Any, a: Any) -> None:
    if np.iscomplexobj(plain(ans)) and not np.iscomplexobj(plain(a)):
        raise NotImplementedError(
            "sqrtm: this real matrix has a complex square root (an eigenvalue is negative); "
            "its derivative is not implemented for a real argument: pass the matrix as "
            "complex, a.astype(complex)"
        )


def _sqrtm_vjp(ans: Any, a: Any) -> Callable[[Any], Any]:
    _refuse_complex_root(ans, a)
    return lambda g: _solve_sylvester(transpose(ans), transpose(ans), g)


def _sqrtm_jvp(t: Any, ans: Any, a: Any) -> Any:
    _refuse_complex_root(ans, a)
    return _solve_sylvester(ans, ans, t)


defvjp(_sqrtm, _sqrtm_vjp)
defjvp(_sqrtm, _sqrtm_jvp)


def sqrtm(A: Any, **kwargs: Any) -> Any:
    """The principal square root of a matrix, ``scipy.linalg.sqrtm``.

    Args:
        A: a square matrix (or a stack of them).
        **kwargs: SciPy's other arguments (``disp``, ``blocksize``, deprecated there), on
            plain input only.

    Returns:
        SciPy's root ``x`` with ``x @ x = A``, differentiable in ``A``.

    Raises:
        ValueError: extra keywords with a traced ``A``.

    Examples:
        >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
        array([[2., 0.],
               [0., 3.]])
    """
    refuse_other_libraries("sqrtm", SCIPY_ONLY, A)
    if not isinstance(A, Var):
        return scipy.linalg.sqrtm(A, **kwargs)
    if kwargs:
        raise ValueError(
            f"sqrtm: {sorted(kwargs)} are not available on a traced matrix (SciPy "
            f"deprecates them); call sqrtm(A)"
        )
    return _sqrtm(A)
