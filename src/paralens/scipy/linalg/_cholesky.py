"""``cholesky``: the triangular factor ``l`` of ``a = l lᵀ`` (or ``u`` of ``a = uᵀ u``).

SciPy reads one triangle of ``a`` (the lower with ``lower=True``, else the upper), so the
factor is a function of the symmetric matrix ``s`` mirrored from it; the primitive takes
``s`` and its cotangent is symmetric; ``symmetric_from`` carries it back to the triangle
read. With ``Φ(x)`` the lower triangle of ``x`` with its diagonal halved (Murray, 2016):
``l̇ = l Φ(l⁻¹ ṡ l⁻ᵀ)``, and ``s̄ = sym(l⁻ᵀ Φ(lᵀ l̄) l⁻¹)``.

References:
    Iain Murray, "Differentiation of the Cholesky decomposition", 2016, arXiv:1602.07527.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._matrices import symmetric_from, transpose, triangle
from paralens.scipy.linalg._triangular import solve_triangular

__all__ = ["cholesky"]


def _value(s: Any, lower: bool) -> Any:
    return scipy.linalg.cholesky(s, lower=lower)


_cholesky = primitive(_value, "cholesky")


def _phi(x: Any) -> Any:
    """The lower triangle of each matrix in ``x``, with its diagonal halved."""
    return triangle(x, lower=True) - 0.5 * x * np.eye(pnp.shape(x)[-1])


def _inverse_on_both_sides(factor: Any, x: Any, transposed: bool) -> Any:
    """``l⁻¹ x l⁻ᵀ``, or ``l⁻ᵀ x l⁻¹`` when ``transposed``, by triangular solves."""
    trans = "T" if transposed else "N"
    left = solve_triangular(factor, x, trans=trans, lower=True)
    return transpose(solve_triangular(factor, transpose(left), trans=trans, lower=True))


def _vjp(ans: Any, s: Any, lower: bool) -> Callable[[Any], Any]:
    factor = ans if lower else transpose(ans)

    def pullback(g: Any) -> Any:
        g_factor = triangle(g, lower=True) if lower else transpose(triangle(g, lower=False))
        inner = _inverse_on_both_sides(factor, _phi(transpose(factor) @ g_factor), True)
        return 0.5 * (inner + transpose(inner))

    return pullback


def _jvp(t: Any, ans: Any, s: Any, lower: bool) -> Any:
    factor = ans if lower else transpose(ans)
    moved = factor @ _phi(_inverse_on_both_sides(factor, t, False))
    return moved if lower else transpose(moved)


defvjp(_cholesky, _vjp)
defjvp(_cholesky, _jvp)


def cholesky(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Any:
    """The Cholesky factor of a positive definite matrix, ``scipy.linalg.cholesky``.

    Args:
        a: a symmetric positive definite matrix (or a stack); only the triangle the factor
            is on is read.
        lower: return ``l`` with ``a = l lᵀ`` (default: ``u`` with ``a = uᵀ u``).
        overwrite_a: as in SciPy; never done on traced inputs.
        check_finite: as in SciPy.

    Returns:
        SciPy's factor, differentiable in ``a`` (see the module for the triangle rule).

    Examples:
        >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]), lower=True)
        array([[2., 0.],
               [1., 1.]])
    """
    refuse_other_libraries("cholesky", SCIPY_ONLY, a)
    if not isinstance(a, Var):
        return scipy.linalg.cholesky(a, lower, overwrite_a, check_finite)
    return _cholesky(symmetric_from(a, bool(lower)), lower=bool(lower))
