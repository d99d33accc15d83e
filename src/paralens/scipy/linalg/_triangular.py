"""``solve_triangular``: ``x`` with ``op(a) x = b`` for triangular ``a`` (``op``: ``a`` or ``aᵀ``).

SciPy reads only the triangle of ``a`` named by ``lower`` (and not its diagonal with
``unit_diagonal``), so ``a``'s cotangent lives there. With ``m`` that triangle,
``x = op(m)⁻¹ b``: ``b``'s cotangent is ``λ = op(m)⁻ᵀ g`` (a triangular solve with the
other ``trans``), and ``m``'s is ``-λ xᵀ`` (``-x λᵀ`` for ``op = ᵀ``), kept to the triangle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._elementwise import plain
from paralens.scipy._matrices import column, transpose, triangle, uncolumn

__all__ = ["solve_triangular"]

_TRANS = {0: "N", 1: "T", 2: "C", "N": "N", "T": "T", "C": "C"}
_FLIPPED = {"N": "T", "T": "N"}


def _value(a: Any, b: Any, trans: str, lower: bool, unit_diagonal: bool) -> Any:
    return scipy.linalg.solve_triangular(
        a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal
    )


_solve_triangular = primitive(_value, "solve_triangular")


def _read(t: Any, lower: bool, unit_diagonal: bool) -> Any:
    """The part of ``t`` SciPy reads: its triangle, without the diagonal if unit."""
    read = triangle(t, lower)
    if unit_diagonal:
        read = read - read * np.eye(pnp.shape(t)[-1])
    return read


def _real_trans(a: Any, trans: str) -> str:
    if trans == "C":
        if np.iscomplexobj(plain(a)):
            raise NotImplementedError(
                "solve_triangular: the derivative with trans='C' (conjugate transpose) of a "
                "complex matrix is not implemented; solve with the conjugate and trans='T'"
            )
        return "T"
    return trans


def _vjp_b(ans: Any, a: Any, b: Any, **kw: Any) -> Callable[[Any], Any]:
    trans = _real_trans(a, kw["trans"])
    flipped = dict(kw, trans=_FLIPPED[trans])
    return lambda g: pnp.unbroadcast(_solve_triangular(a, g, **flipped), b)


def _vjp_a(ans: Any, a: Any, b: Any, **kw: Any) -> Callable[[Any], Any]:
    trans = _real_trans(a, kw["trans"])
    flipped = dict(kw, trans=_FLIPPED[trans])

    def pullback(g: Any) -> Any:
        cb = column(_solve_triangular(a, g, **flipped))
        x = column(ans)
        outer = cb @ transpose(x) if trans == "N" else x @ transpose(cb)
        return _read(pnp.unbroadcast(-outer, a), kw["lower"], kw["unit_diagonal"])

    return pullback


def _jvp_a(t: Any, ans: Any, a: Any, b: Any, **kw: Any) -> Any:
    trans = _real_trans(a, kw["trans"])
    m = _read(t, kw["lower"], kw["unit_diagonal"])
    moved = (m if trans == "N" else transpose(m)) @ column(ans)
    return -uncolumn(_solve_triangular(a, moved, **kw), b)


def _jvp_b(t: Any, ans: Any, a: Any, b: Any, **kw: Any) -> Any:
    return pnp.broadcast_like(_solve_triangular(a, t, **kw), ans)


defvjp(_solve_triangular, _vjp_a, _vjp_b)
defjvp(_solve_triangular, _jvp_a, _jvp_b)


def solve_triangular(
    a: Any,
    b: Any,
    trans: Any = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """Solve ``a x = b`` (or ``aᵀ x = b``) for triangular ``a``, ``scipy.linalg.solve_triangular``.

    Args:
        a: a triangular matrix (or a stack of them); only the triangle named by
            ``lower`` is read.
        b: a vector, or a matrix (or stack) of right-hand sides.
        trans: ``0``/``"N"`` solves ``a x = b``, ``1``/``"T"`` ``aᵀ x = b``, ``2``/``"C"``
            ``aᴴ x = b``.
        lower: use the lower triangle (default: the upper one).
        unit_diagonal: take ``a``'s diagonal to be ones (it is not read).
        overwrite_b: as in SciPy; never done on traced inputs.
        check_finite: as in SciPy.

    Returns:
        SciPy's solution, differentiable in ``a`` and ``b``.

    Examples:
        >>> a = np.array([[2.0, 1.0], [0.0, 4.0]])
        >>> solve_triangular(a, np.array([3.0, 4.0]))
        array([1., 1.])
    """
    refuse_other_libraries("solve_triangular", SCIPY_ONLY, a, b)
    if not isinstance(a, Var) and not isinstance(b, Var):
        return scipy.linalg.solve_triangular(
            a, b, trans, lower, unit_diagonal, overwrite_b, check_finite
        )
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}")
    return _solve_triangular(
        a, b, trans=_TRANS[trans], lower=bool(lower), unit_diagonal=bool(unit_diagonal)
    )
